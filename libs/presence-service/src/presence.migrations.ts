import { Migration } from '@parley/ports';

/** Last seen survives restarts (Postgres); live connection state is ephemeral (Redis / memory). */
export const presenceMigrations: Migration[] = [
  {
    id: 'presence/001_last_seen',
    sql: `CREATE TABLE IF NOT EXISTS last_seen (user_id text PRIMARY KEY, last_seen_at timestamptz NOT NULL)`,
  },
];
