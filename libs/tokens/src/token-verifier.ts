import { DomainError } from '@parley/domain';
import { errors, JWTPayload, jwtVerify } from 'jose';
import { KeySetError, KeySetSource, VerificationKeys } from './verification-keys';
import { MAX_ACCESS_TTL_SECONDS, MAX_TOKEN_LENGTH, TOKEN_ALG, TOKEN_TYP } from './token.constants';

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  /** The published keys (the auth service's JWKS). */
  keys: KeySetSource;
  /** Allowed clock skew between issuer and verifier. Default 5. */
  clockToleranceSec?: number;
  /** Least time between two fetches of the key set. Default 30. */
  refreshCooldownSec?: number;
  /** Keys are re-fetched once they are this old. Default 600. */
  keysMaxAgeSec?: number;
  /** Clock in epoch milliseconds (tests pin it). */
  now?: () => number;
  /** Told about key set fetch failures (to log or count them); the verifier answers UNAVAILABLE or keeps its previous keys. */
  onKeySetError?: (error: KeySetError) => void;
}

/** What a verified access token says. */
export interface VerifiedToken {
  sub: string;
  sid: string;
  jti: string;
  exp: number;
}

const REQUIRED_CLAIMS = ['sub', 'sid', 'exp', 'iat', 'jti'];

/**
 * Verifies Parley access tokens locally against the published keys. Every failure is a
 * DomainError: UNAUTHENTICATED with a short reason for a bad token, UNAVAILABLE when the key set
 * cannot be had at all.
 */
export class TokenVerifier {
  private readonly keys: VerificationKeys;
  private readonly now: () => number;

  constructor(private readonly opts: TokenVerifierOptions) {
    if (!opts.issuer || !opts.audience) throw new Error('TokenVerifier needs an issuer and an audience');
    this.now = opts.now ?? Date.now;
    this.keys = new VerificationKeys({
      source: opts.keys,
      refreshCooldownSec: opts.refreshCooldownSec ?? 30,
      maxAgeSec: opts.keysMaxAgeSec ?? 600,
      now: this.now,
      onStaleKeys: opts.onKeySetError,
    });
  }

  async verify(token: unknown): Promise<VerifiedToken> {
    if (typeof token !== 'string' || token.length === 0) throw rejected('missing token');
    if (token.length > MAX_TOKEN_LENGTH) throw rejected('token too long');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, (header) => this.keyFor(header.kid), {
        algorithms: [TOKEN_ALG],
        typ: TOKEN_TYP,
        issuer: this.opts.issuer,
        audience: this.opts.audience,
        requiredClaims: REQUIRED_CLAIMS,
        maxTokenAge: MAX_ACCESS_TTL_SECONDS,
        clockTolerance: this.opts.clockToleranceSec ?? 5,
        currentDate: new Date(this.now()),
      }));
    } catch (e) {
      throw this.translate(e);
    }
    const { sub, sid, jti, exp } = payload;
    if (!nonEmpty(sub) || !nonEmpty(sid) || !nonEmpty(jti) || typeof exp !== 'number') throw rejected('malformed claims');
    return { sub, sid, jti, exp };
  }

  private async keyFor(kid: unknown) {
    if (!nonEmpty(kid)) throw rejected('missing key id');
    const key = await this.keys.get(kid);
    if (!key) throw rejected('unknown signing key');
    return key;
  }

  private translate(e: unknown): Error {
    if (e instanceof DomainError) return e;
    if (e instanceof KeySetError) {
      this.opts.onKeySetError?.(e);
      return new DomainError('UNAVAILABLE', 'signing keys unavailable');
    }
    if (e instanceof errors.JWTExpired) return rejected('token expired');
    if (e instanceof errors.JWTClaimValidationFailed) return rejected(claimReason(e.claim, e.reason));
    if (e instanceof errors.JWSSignatureVerificationFailed) return rejected('invalid signature');
    if (e instanceof errors.JOSEAlgNotAllowed || e instanceof errors.JOSENotSupported) return rejected('algorithm not allowed');
    if (e instanceof errors.JOSEError) return rejected('malformed token');
    return e instanceof Error ? e : new Error(String(e));
  }
}

function claimReason(claim: string, reason: string): string {
  switch (claim) {
    case 'iss':
      return 'wrong issuer';
    case 'aud':
      return 'wrong audience';
    case 'typ':
      return 'wrong token type';
    case 'nbf':
    case 'iat':
      return reason === 'check_failed' ? 'token not valid yet' : `malformed ${claim} claim`;
    default:
      return reason === 'missing' && REQUIRED_CLAIMS.includes(claim) ? `missing ${claim} claim` : 'invalid claims';
  }
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

const rejected = (reason: string) => new DomainError('UNAUTHENTICATED', reason);
