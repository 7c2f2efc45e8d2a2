import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes, base64url without padding: always 43 characters. */
const REFRESH_TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What is stored: a token with 256 bits of entropy needs no salt or slow hash. */
export function refreshTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export function isRefreshTokenShaped(v: unknown): v is string {
  return typeof v === 'string' && REFRESH_TOKEN_RE.test(v);
}
