import { MAX_ACCESS_TTL_SECONDS } from '@parley/tokens';
import { checkCodeLoginOptions, CodeLoginOptions, DEFAULT_CODE_LOGIN } from './codes/code-options';

/** Settings of the auth service, parsed from config by the composition root. */
export interface AuthOptions {
  /** `iss` of the access tokens (verifiers check it). */
  issuer: string;
  /** `aud` of the access tokens (verifiers check it). */
  audience: string;
  /** Access token lifetime, 1 to 900 seconds (the contract's 15 minutes). */
  accessTtlSeconds: number;
  /** Refresh token lifetime; each rotation starts a new one. */
  refreshTtlSeconds: number;
  /**
   * argon2id cost of new password hashes (default `standard`). `test` is the library's minimum,
   * for test suites that register thousands of users: never in production.
   */
  passwordHashCost?: PasswordHashCost;
  /**
   * A directory of private signing keys (one JWK per file; a mounted Secret): all are published,
   * `activeKid` signs. Empty or absent: one key kept in the database, created on the first boot.
   */
  signingKeysDir?: string;
  /** The kid that signs new tokens when signingKeysDir holds several keys. */
  activeKid?: string;
  /** One-time-code sign-in (codes/code-options.ts); absent: the defaults. */
  codes?: CodeLoginOptions;
}

/** `standard`: OWASP's minimum for argon2id; `test`: the least the library accepts (test suites only). */
export type PasswordHashCost = 'standard' | 'test';
export const PASSWORD_HASH_COSTS: readonly PasswordHashCost[] = ['standard', 'test'];

export const AUTH_OPTIONS = Symbol('AuthOptions');

const MAX_REFRESH_TTL_SECONDS = 365 * 24 * 3600;

/** Fails fast at boot on settings that would make tokens unsafe or useless. */
export function checkAuthOptions(o: AuthOptions): AuthOptions {
  if (!o.issuer || !o.audience) throw new Error('auth: issuer and audience must be set');
  if (!Number.isInteger(o.accessTtlSeconds) || o.accessTtlSeconds < 1 || o.accessTtlSeconds > MAX_ACCESS_TTL_SECONDS) {
    throw new Error(`auth: accessTtlSeconds must be an integer from 1 to ${MAX_ACCESS_TTL_SECONDS}`);
  }
  if (!Number.isInteger(o.refreshTtlSeconds) || o.refreshTtlSeconds < o.accessTtlSeconds || o.refreshTtlSeconds > MAX_REFRESH_TTL_SECONDS) {
    throw new Error(`auth: refreshTtlSeconds must be an integer from accessTtlSeconds to ${MAX_REFRESH_TTL_SECONDS}`);
  }
  if (o.passwordHashCost !== undefined && !PASSWORD_HASH_COSTS.includes(o.passwordHashCost)) {
    throw new Error(`auth: passwordHashCost must be one of ${PASSWORD_HASH_COSTS.join(', ')}`);
  }
  return { ...o, codes: checkCodeLoginOptions(o.codes ?? DEFAULT_CODE_LOGIN) };
}
