import { Migration } from '@parley/ports';
import { searchMigration } from '../search/search.migrations';
import { moderationMigration } from '../moderation/moderation.migrations';

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

/**
 * The send ledger: the sequencer's source of truth for seq allocation and idempotency. A claim
 * row binds (conversation, sender, client_msg_id) to one seq and message id forever; it is
 * inserted in the same transaction that moves conversations.last_seq (row-locked), so two
 * sequencers that both believe they own a partition (a takeover) can never give one seq to two
 * messages nor one client_msg_id two seqs. See docs/adr/0003-sequencer-takeover.md.
 */
messagingMigrations.push({
  id: 'messaging/002_send_claims',
  sql: `
CREATE TABLE IF NOT EXISTS send_claims (
  conversation_id text NOT NULL,
  sender_id text NOT NULL,
  client_msg_id text NOT NULL,
  seq bigint NOT NULL,
  message_id text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (conversation_id, sender_id, client_msg_id),
  UNIQUE (conversation_id, seq)
);
`,
});

/** "Read by N" is one COUNT over this index: (conversation, marker) range, no per-member work elsewhere. */
messagingMigrations.push({
  id: 'messaging/003_read_marker_index',
  sql: `CREATE INDEX IF NOT EXISTS memberships_by_read_marker ON memberships (conversation_id, last_read_seq);`,
});

/**
 * The ledger's compact form: a claim older than the claim window (SendClaimsRepository.compact)
 * leaves send_claims and keeps only what idempotency needs forever (docs/api/v1.md: one
 * client_msg_id is one message forever): a 16-byte hash of (sender, client_msg_id) and its seq.
 */
messagingMigrations.push({
  id: 'messaging/004_send_keys',
  sql: `
CREATE TABLE IF NOT EXISTS send_keys (
  conversation_id text NOT NULL,
  key_hash bytea NOT NULL,
  seq bigint NOT NULL,
  PRIMARY KEY (conversation_id, key_hash)
);
CREATE INDEX IF NOT EXISTS send_claims_by_age ON send_claims (created_at);
`,
});

/**
 * Issue 13, message lifecycle (docs/adr/0010-message-lifecycle.md): the entries of the seq stream
 * that are not messages (unread counts leave them out), the originals of edited messages (for
 * moderators; dropped with the message), who reacted with what, and the replies of a message.
 */
messagingMigrations.push({
  id: 'messaging/005_message_lifecycle',
  sql: `
CREATE TABLE IF NOT EXISTS lifecycle_entries (
  conversation_id text NOT NULL,
  seq bigint NOT NULL,
  kind text NOT NULL CHECK (kind IN ('edit', 'delete', 'reaction')),
  target_seq bigint NOT NULL,
  PRIMARY KEY (conversation_id, seq)
);
CREATE TABLE IF NOT EXISTS message_revisions (
  conversation_id text NOT NULL,
  target_seq bigint NOT NULL,
  entry_seq bigint NOT NULL,
  text text NOT NULL,
  replaced_at timestamptz NOT NULL,
  PRIMARY KEY (conversation_id, target_seq, entry_seq)
);
CREATE TABLE IF NOT EXISTS message_reactions (
  conversation_id text NOT NULL,
  target_seq bigint NOT NULL,
  emoji text NOT NULL,
  user_id text NOT NULL,
  reacted_at timestamptz NOT NULL,
  PRIMARY KEY (conversation_id, target_seq, emoji, user_id)
);
CREATE TABLE IF NOT EXISTS message_replies (
  conversation_id text NOT NULL,
  reply_to bigint NOT NULL,
  seq bigint NOT NULL,
  PRIMARY KEY (conversation_id, reply_to, seq)
);
`,
});

/** Issue 13.3: the search projection (docs/adr/0015-search.md). */
messagingMigrations.push(searchMigration);

/** Issue 13.4: ranks, mutes, slow mode, announcements, bans, reports, the audit log (docs/adr/0017-moderation.md). */
messagingMigrations.push(moderationMigration);
