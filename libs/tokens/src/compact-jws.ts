import { DomainError } from '@parley/domain';
import { KeyObject, verify as verifySignature } from 'node:crypto';
import { MAX_ACCESS_TTL_SECONDS, TOKEN_ALG, TOKEN_TYP } from './token.constants';

/** What a verified access token says. */
export interface VerifiedToken {
  sub: string;
  sid: string;
  jti: string;
  exp: number;
}

export interface ClaimRules {
  issuer: string;
  audience: string;
  clockToleranceSec: number;
  nowSec: number;
}

/** A compact JWS split and its header read, before any key is looked up. */
export interface ParsedToken {
  kid: string;
  signingInput: Buffer;
  signature: Buffer;
  payload: Buffer;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const ED25519_SIGNATURE_BYTES = 64;

const rejected = (reason: string) => new DomainError('UNAUTHENTICATED', reason);

/**
 * Splits a compact JWS and checks its header: exactly EdDSA (the one algorithm Parley issues, so
 * `none`, HS256 keyed with a public key and every other confusion fail here), type JWT, a key id,
 * no critical extensions. Synchronous and allocation-light: it runs inside the WebSocket upgrade.
 */
export function parseCompactToken(token: string): ParsedToken {
  const parts = token.split('.');
  // The signature segment may be empty here (alg "none"): the header check below names that case.
  if (parts.length !== 3 || !SEGMENT.test(parts[0]) || !SEGMENT.test(parts[1]) || !/^[A-Za-z0-9_-]*$/.test(parts[2])) throw rejected('malformed token');
  const header = decodeJson(parts[0]);
  if (header.alg !== TOKEN_ALG) throw rejected('algorithm not allowed');
  if (header.crit !== undefined || header.b64 !== undefined) throw rejected('malformed token');
  if (typeof header.typ !== 'string' || !sameType(header.typ)) throw rejected('wrong token type');
  if (typeof header.kid !== 'string' || header.kid.length === 0) throw rejected('missing key id');
  const signature = Buffer.from(parts[2], 'base64url');
  if (signature.length !== ED25519_SIGNATURE_BYTES) throw rejected('invalid signature');
  return { kid: header.kid, signingInput: Buffer.from(`${parts[0]}.${parts[1]}`), signature, payload: Buffer.from(parts[1], 'base64url') };
}

/** Verifies the Ed25519 signature with `key`, then the claims (RFC 7519 §7.2 with Parley's rules). */
export function verifyParsedToken(parsed: ParsedToken, key: KeyObject, rules: ClaimRules): VerifiedToken {
  if (!verifySignature(null, parsed.signingInput, key, parsed.signature)) throw rejected('invalid signature');
  const claims = decodeJsonBytes(parsed.payload);
  return checkClaims(claims, rules);
}

function checkClaims(c: Record<string, unknown>, r: ClaimRules): VerifiedToken {
  for (const name of ['sub', 'sid', 'exp', 'iat', 'jti']) if (c[name] === undefined) throw rejected(`missing ${name} claim`);
  if (c.iss !== r.issuer) throw rejected('wrong issuer');
  const aud = c.aud;
  if (!(aud === r.audience || (Array.isArray(aud) && aud.includes(r.audience)))) throw rejected('wrong audience');
  const { exp, iat, nbf } = c;
  if (!isTime(exp) || !isTime(iat) || (nbf !== undefined && !isTime(nbf))) throw rejected('malformed claims');
  const now = r.nowSec;
  const tol = r.clockToleranceSec;
  if (exp <= now - tol) throw rejected('token expired');
  if (now - iat > MAX_ACCESS_TTL_SECONDS + tol) throw rejected('token expired');
  if (iat > now + tol || (nbf !== undefined && nbf > now + tol)) throw rejected('token not valid yet');
  const { sub, sid, jti } = c;
  if (!nonEmpty(sub) || !nonEmpty(sid) || !nonEmpty(jti)) throw rejected('malformed claims');
  return { sub, sid, jti, exp };
}

function decodeJson(segment: string): Record<string, unknown> {
  return decodeJsonBytes(Buffer.from(segment, 'base64url'));
}

function decodeJsonBytes(bytes: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw rejected('malformed token');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw rejected('malformed token');
  return value as Record<string, unknown>;
}

/** `typ` compares as a media type: "JWT" and "application/jwt" alike, case-insensitively. */
function sameType(typ: string): boolean {
  const t = typ.toLowerCase();
  const want = TOKEN_TYP.toLowerCase();
  return t === want || t === `application/${want}`;
}

const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
