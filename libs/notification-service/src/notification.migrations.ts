import { Migration } from '@parley/ports';

/**
 * push_outbox records who would be pushed for which message, once: the unique key makes the
 * at-least-once consumer idempotent. Providers (FCM, APNs) drain it in a later issue.
 */
export const notificationMigrations: Migration[] = [
  {
    id: 'notification/001_outbox',
    sql: `
CREATE TABLE IF NOT EXISTS device_tokens (user_id text NOT NULL, platform text NOT NULL, token text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (user_id, token));
CREATE TABLE IF NOT EXISTS push_outbox (user_id text NOT NULL, conversation_id text NOT NULL, seq bigint NOT NULL, message_id text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), sent_at timestamptz, PRIMARY KEY (user_id, conversation_id, seq));
`,
  },
];
