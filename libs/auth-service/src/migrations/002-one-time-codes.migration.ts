import { Migration } from '@parley/ports';

/**
 * One-time-code sign-in (docs/adr/0012-one-time-code-login.md).
 * - `user_identities`: a verified phone number or e-mail address of a user (one owner each).
 * - `login_codes`: the live code per destination, keyed by the destination's HMAC (no address in
 *   clear), holding only the code's HMAC, its expiry and the guesses left; kept after use (burned:
 *   no hash, no attempts) for the per-destination send window.
 * - `auth_secrets`: the code pepper when none is configured (created on first boot).
 */
export const authOneTimeCodes: Migration = {
  id: 'auth/002_one_time_codes',
  sql: `
CREATE TABLE user_identities (
  channel text NOT NULL,
  address text NOT NULL,
  user_id text NOT NULL REFERENCES users (id),
  verified_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, address)
);
CREATE INDEX user_identities_user_id_idx ON user_identities (user_id);
CREATE TABLE login_codes (
  destination_key text PRIMARY KEY,
  code_hash text,
  expires_at timestamptz NOT NULL,
  attempts_left integer NOT NULL,
  sent_at timestamptz NOT NULL,
  window_started_at timestamptz NOT NULL,
  sends_in_window integer NOT NULL
);
CREATE INDEX login_codes_sent_at_idx ON login_codes (sent_at);
CREATE TABLE auth_secrets (
  name text PRIMARY KEY,
  value text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
`,
};
