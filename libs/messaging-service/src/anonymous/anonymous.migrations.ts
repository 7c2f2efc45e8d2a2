import { Migration } from '@parley/ports';

/**
 * Issue 14 item 2 (docs/adr/0016-anonymous-participants.md), additive: a conversation's anonymous
 * mode (set at creation, never changed), the participants table (the only place a pseudonym is
 * linked to its user), and the membership's pointer to its participant (null for a named member), and the pseudonym a ban
 * was made through (the ban list shows it instead of the user id).
 */
export const anonymousMigration: Migration = {
  id: 'messaging/008_anonymous_participants',
  sql: `
ALTER TABLE conversations ADD COLUMN IF NOT EXISTS anonymous text NOT NULL DEFAULT 'off';
ALTER TABLE conversations DROP CONSTRAINT IF EXISTS conversations_anonymous_check;
ALTER TABLE conversations ADD CONSTRAINT conversations_anonymous_check CHECK (anonymous IN ('off', 'allowed'));
ALTER TABLE memberships ADD COLUMN IF NOT EXISTS participant_id text;
CREATE UNIQUE INDEX IF NOT EXISTS memberships_by_participant ON memberships (conversation_id, participant_id) WHERE participant_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS participants (
  participant_id text PRIMARY KEY,
  conversation_id text NOT NULL,
  user_id text NOT NULL,
  display_name text NOT NULL,
  joined_at timestamptz NOT NULL,
  left_at timestamptz
);
CREATE INDEX IF NOT EXISTS participants_by_user ON participants (conversation_id, user_id, joined_at);
ALTER TABLE conversation_bans ADD COLUMN IF NOT EXISTS participant_id text;
`,
};
