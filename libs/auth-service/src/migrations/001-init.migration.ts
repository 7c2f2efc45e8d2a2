import { Migration } from '@parley/ports';

/**
 * Users, sessions, refresh tokens and signing keys. Refresh tokens are stored as their SHA-256,
 * never in clear; `used_at` marks a rotated token (presenting it again revokes its session).
 */
export const authInit: Migration = {
  id: 'auth/001_init',
  sql: `
CREATE TABLE users (
  id text PRIMARY KEY,
  username_lower text NOT NULL,
  username text NOT NULL,
  display_name text NOT NULL,
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_lower_key ON users (username_lower);
CREATE TABLE sessions (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE TABLE refresh_tokens (
  token_hash text PRIMARY KEY,
  session_id text NOT NULL REFERENCES sessions (id),
  issued_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  replaced_by text
);
CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id);
CREATE TABLE signing_keys (
  kid text PRIMARY KEY,
  private_jwk jsonb NOT NULL,
  public_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);
`,
};
