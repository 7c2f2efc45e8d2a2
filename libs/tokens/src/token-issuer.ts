import { randomUUID } from 'node:crypto';
import { importJWK, KeyLike, SignJWT } from 'jose';
import { SigningKey } from './signing-key';
import { MAX_ACCESS_TTL_SECONDS, TOKEN_ALG, TOKEN_TYP } from './token.constants';

export interface TokenIssuerOptions {
  issuer: string;
  audience: string;
  /** Access token lifetime, 1 to 900 seconds. */
  ttlSeconds: number;
  key: SigningKey;
  /** Clock in epoch milliseconds (tests pin it). */
  now?: () => number;
}

export interface IssuedToken {
  token: string;
  /** Seconds until the token expires. */
  expiresIn: number;
}

/** Signs access tokens: `{sub, sid, iss, aud, iat, exp, jti}`, header `{alg: EdDSA, kid, typ: JWT}`. */
export class TokenIssuer {
  private privateKey?: Promise<KeyLike | Uint8Array>;
  private readonly now: () => number;

  constructor(private readonly opts: TokenIssuerOptions) {
    if (!opts.issuer || !opts.audience) throw new Error('TokenIssuer needs an issuer and an audience');
    if (!Number.isInteger(opts.ttlSeconds) || opts.ttlSeconds < 1 || opts.ttlSeconds > MAX_ACCESS_TTL_SECONDS) {
      throw new Error(`TokenIssuer ttlSeconds must be an integer from 1 to ${MAX_ACCESS_TTL_SECONDS}`);
    }
    if (!opts.key.kid || typeof opts.key.privateJwk.d !== 'string') throw new Error('TokenIssuer needs a private signing key with a kid');
    this.now = opts.now ?? Date.now;
  }

  get kid(): string {
    return this.opts.key.kid;
  }

  async issue(claims: { sub: string; sid: string }): Promise<IssuedToken> {
    if (!claims.sub || !claims.sid) throw new Error('an access token needs a subject and a session id');
    const iat = Math.floor(this.now() / 1000);
    const token = await new SignJWT({ sid: claims.sid })
      .setProtectedHeader({ alg: TOKEN_ALG, kid: this.opts.key.kid, typ: TOKEN_TYP })
      .setSubject(claims.sub)
      .setIssuer(this.opts.issuer)
      .setAudience(this.opts.audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.opts.ttlSeconds)
      .setJti(randomUUID())
      .sign(await this.signingKey());
    return { token, expiresIn: this.opts.ttlSeconds };
  }

  /** Imported once, on first use (a bad key fails every issue with the same error). */
  private signingKey(): Promise<KeyLike | Uint8Array> {
    this.privateKey ??= importJWK(this.opts.key.privateJwk, TOKEN_ALG);
    return this.privateKey;
  }
}
