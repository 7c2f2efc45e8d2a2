import { Migration } from '@parley/ports';

/** Conversations, memberships and read markers (Postgres; PGlite in standalone). */
export const messagingMigrations: Migration[] = [
  {
    id: 'messaging/001_conversations',
    sql: `
CREATE TABLE IF NOT EXISTS conversations (
  id text PRIMARY KEY,
  type text NOT NULL CHECK (type IN ('direct', 'group')),
  title text,
  direct_key text UNIQUE,
  created_at timestamptz NOT NULL,
  member_count integer NOT NULL DEFAULT 0,
  last_seq bigint NOT NULL DEFAULT 0,
  last_activity_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS memberships (
  conversation_id text NOT NULL REFERENCES conversations(id),
  user_id text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'member')),
  joined_at timestamptz NOT NULL,
  last_read_seq bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX IF NOT EXISTS memberships_by_user ON memberships (user_id);
`,
  },
];
