import { Migration } from '@parley/ports';

/**
 * Issue 13.3 (docs/adr/0015-search.md): the search projection, one row per live message, fed by
 * the events topic. `message` is the message as clients see it (kept current by edit entries);
 * `tsv` is its text for Postgres full-text search ('simple': no stemming, any language).
 */
export const searchMigration: Migration = {
  id: 'messaging/006_search_projection',
  sql: `
CREATE TABLE IF NOT EXISTS search_messages (
  conversation_id text NOT NULL,
  seq bigint NOT NULL,
  created_at timestamptz NOT NULL,
  edited_seq bigint NOT NULL DEFAULT 0,
  message jsonb NOT NULL,
  tsv tsvector NOT NULL,
  PRIMARY KEY (conversation_id, seq)
);
CREATE INDEX IF NOT EXISTS search_messages_tsv ON search_messages USING GIN (tsv);
CREATE INDEX IF NOT EXISTS search_messages_by_time ON search_messages (created_at DESC, conversation_id DESC, seq DESC);
`,
};
