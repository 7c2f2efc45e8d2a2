import { Migration } from '@parley/ports';

/**
 * The notification service's schema (docs/adr/0006-push-notifications.md):
 * - push_outbox: the dedupe ledger, one row per (user, conversation, seq) ever admitted;
 * - push_state: one row per (user, conversation) with what is pending, due and pushed;
 * - push_devices / push_conversation_settings / push_prefs: devices and settings;
 * - push_log: what standalone's recording provider "sent".
 */
export const notificationMigrations: Migration[] = [
  {
    id: 'notification/001_outbox',
    sql: `
CREATE TABLE IF NOT EXISTS device_tokens (user_id text NOT NULL, platform text NOT NULL, token text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (user_id, token));
CREATE TABLE IF NOT EXISTS push_outbox (user_id text NOT NULL, conversation_id text NOT NULL, seq bigint NOT NULL, message_id text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), sent_at timestamptz, PRIMARY KEY (user_id, conversation_id, seq));
`,
  },
  {
    id: 'notification/002_push',
    sql: `
DROP TABLE IF EXISTS device_tokens;
CREATE INDEX IF NOT EXISTS push_outbox_by_age ON push_outbox (created_at);
CREATE TABLE IF NOT EXISTS push_devices (
  token text PRIMARY KEY, user_id text NOT NULL, session_id text NOT NULL, platform text NOT NULL, app_id text NOT NULL,
  sandbox boolean NOT NULL DEFAULT false, locale text, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS push_devices_by_user ON push_devices (user_id);
CREATE INDEX IF NOT EXISTS push_devices_by_session ON push_devices (session_id);
CREATE TABLE IF NOT EXISTS push_conversation_settings (
  user_id text NOT NULL, conversation_id text NOT NULL, level text NOT NULL DEFAULT 'all', muted_until timestamptz,
  PRIMARY KEY (conversation_id, user_id));
CREATE TABLE IF NOT EXISTS push_prefs (user_id text PRIMARY KEY, hide_previews boolean NOT NULL DEFAULT false);
CREATE TABLE IF NOT EXISTS push_state (
  user_id text NOT NULL, conversation_id text NOT NULL,
  last_seq bigint NOT NULL DEFAULT 0, pending integer NOT NULL DEFAULT 0, preview text NOT NULL DEFAULT '', sender_id text NOT NULL DEFAULT '',
  first_persisted_at timestamptz, due_at timestamptz, clear_due boolean NOT NULL DEFAULT false,
  pushed_seq bigint NOT NULL DEFAULT 0, cleared_seq bigint NOT NULL DEFAULT 0,
  attempts integer NOT NULL DEFAULT 0, lease_until timestamptz, accepted_tokens text[] NOT NULL DEFAULT '{}',
  PRIMARY KEY (user_id, conversation_id));
CREATE INDEX IF NOT EXISTS push_state_due ON push_state (due_at) WHERE due_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS push_log (
  id bigserial PRIMARY KEY, platform text NOT NULL, token text NOT NULL, kind text NOT NULL, collapse_id text NOT NULL,
  title text NOT NULL, body text NOT NULL, badge integer NOT NULL, count integer NOT NULL, conversation_id text NOT NULL, seq bigint NOT NULL,
  sent_at timestamptz NOT NULL DEFAULT now());
`,
  },
  {
    // The traces of the messages a push carries (docs/adr/0007-tracing.md): ids only, never bodies.
    id: 'notification/003_push_traces',
    sql: `ALTER TABLE push_state ADD COLUMN IF NOT EXISTS traceparents text[] NOT NULL DEFAULT '{}';`,
  },
];
