import { Migration } from '@parley/ports';

/**
 * Issue 13.4 (docs/adr/0017-moderation.md), additive: ranks owner > admin > moderator > member
 * in memberships.role (today's `admin` keeps its meaning; each group's longest-standing admin
 * becomes its owner), a member's mute, a conversation's slow mode and announcement flag, bans,
 * the report queue and the audit log of every moderation action.
 */
export const moderationMigration: Migration = {
  id: 'messaging/007_moderation',
  sql: `
ALTER TABLE memberships DROP CONSTRAINT IF EXISTS memberships_role_check;
ALTER TABLE memberships ADD CONSTRAINT memberships_role_check CHECK (role IN ('owner', 'admin', 'moderator', 'member'));
ALTER TABLE memberships ADD COLUMN IF NOT EXISTS muted_until timestamptz;
ALTER TABLE conversations ADD COLUMN IF NOT EXISTS slow_mode_seconds integer NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN IF NOT EXISTS announcement boolean NOT NULL DEFAULT false;
UPDATE memberships m SET role = 'owner'
  FROM (SELECT DISTINCT ON (conversation_id) conversation_id, user_id FROM memberships WHERE role = 'admin' ORDER BY conversation_id, joined_at, user_id) first
 WHERE m.conversation_id = first.conversation_id AND m.user_id = first.user_id
   AND NOT EXISTS (SELECT 1 FROM memberships o WHERE o.conversation_id = m.conversation_id AND o.role = 'owner');
CREATE TABLE IF NOT EXISTS conversation_bans (
  conversation_id text NOT NULL,
  user_id text NOT NULL,
  banned_by text NOT NULL,
  reason text,
  banned_at timestamptz NOT NULL,
  PRIMARY KEY (conversation_id, user_id)
);
CREATE TABLE IF NOT EXISTS moderation_reports (
  id bigserial PRIMARY KEY,
  conversation_id text NOT NULL,
  target_seq bigint NOT NULL,
  reporter_id text NOT NULL,
  reason text NOT NULL,
  created_at timestamptz NOT NULL,
  resolved_by text,
  resolved_at timestamptz,
  resolution text,
  UNIQUE (conversation_id, target_seq, reporter_id)
);
CREATE INDEX IF NOT EXISTS moderation_reports_open ON moderation_reports (conversation_id, id) WHERE resolved_at IS NULL;
CREATE TABLE IF NOT EXISTS moderation_audit (
  id bigserial PRIMARY KEY,
  conversation_id text NOT NULL,
  actor_id text NOT NULL,
  action text NOT NULL,
  target_user_id text,
  target_seq bigint,
  details text,
  at timestamptz NOT NULL,
  dedupe_key text UNIQUE
);
CREATE INDEX IF NOT EXISTS moderation_audit_by_conversation ON moderation_audit (conversation_id, id);
`,
};
