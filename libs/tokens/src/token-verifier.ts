import { DomainError } from '@parley/domain';
import { ClaimRules, parseCompactToken, ParsedToken, VerifiedToken, verifyParsedToken } from './compact-jws';
import { KeySetError, KeySetSource, VerificationKeys } from './verification-keys';
import { MAX_TOKEN_LENGTH } from './token.constants';

export type { VerifiedToken } from './compact-jws';

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

/**
 * Verifies Parley access tokens locally against the published keys (EdDSA over Ed25519 only, with
 * issuer, audience, type and lifetime checked). Every failure is a DomainError: UNAUTHENTICATED
 * with a short reason for a bad token, UNAVAILABLE when the key set cannot be had at all.
 *
 * `verifyNow` answers without waiting whenever the loaded key set can decide (the WebSocket
 * upgrade uses it: an upgrade made after an await trips uWebSockets.js#1108); `verify` fetches
 * the key set first when it has to.
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

  /** Changes whenever the loaded key set gains or loses a key (see VerificationKeys.generation). */
  get keysGeneration(): number {
    return this.keys.generation;
  }

  async verify(token: unknown): Promise<VerifiedToken> {
    const parsed = parse(token);
    let key;
    try {
      key = await this.keys.get(parsed.kid);
    } catch (e) {
      throw this.translate(e);
    }
    if (!key) throw rejected('unknown signing key');
    return verifyParsedToken(parsed, key, this.rules());
  }

  /**
   * The same checks without waiting, or null when the key set must be fetched first (none loaded
   * yet, or a key id it does not know and may now look up): the caller then uses `verify`.
   */
  verifyNow(token: unknown): VerifiedToken | null {
    const parsed = parse(token);
    const key = this.keys.peek(parsed.kid);
    if (key === null) return null;
    if (!key) throw rejected('unknown signing key');
    return verifyParsedToken(parsed, key, this.rules());
  }

  private rules(): ClaimRules {
    return {
      issuer: this.opts.issuer,
      audience: this.opts.audience,
      clockToleranceSec: this.opts.clockToleranceSec ?? 5,
      nowSec: Math.floor(this.now() / 1000),
    };
  }

  private translate(e: unknown): Error {
    if (e instanceof DomainError) return e;
    if (e instanceof KeySetError) {
      this.opts.onKeySetError?.(e);
      return new DomainError('UNAVAILABLE', 'signing keys unavailable');
    }
    return e instanceof Error ? e : new Error(String(e));
  }
}

function parse(token: unknown): ParsedToken {
  if (typeof token !== 'string' || token.length === 0) throw rejected('missing token');
  if (token.length > MAX_TOKEN_LENGTH) throw rejected('token too long');
  return parseCompactToken(token);
}

const rejected = (reason: string) => new DomainError('UNAUTHENTICATED', reason);
