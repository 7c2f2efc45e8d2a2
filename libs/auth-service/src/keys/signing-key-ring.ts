import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { JsonWebKeySet } from '@parley/ports';
import { generateSigningKey, IssuedToken, TokenIssuer } from '@parley/tokens';
import { AUTH_OPTIONS, AuthOptions } from '../auth.options';
import { SigningKeysRepository } from '../storage/signing-keys.repository';

/**
 * The key that signs access tokens. Loaded from storage at module init (created on the first
 * boot), so tokens stay valid across restarts and all replicas sign with the same key.
 */
@Injectable()
export class SigningKeyRing implements OnModuleInit {
  private issuer?: TokenIssuer;

  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
    private readonly keys: SigningKeysRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    const key = await this.keys.activeOrCreate(generateSigningKey);
    this.issuer = new TokenIssuer({
      issuer: this.options.issuer,
      audience: this.options.audience,
      ttlSeconds: this.options.accessTtlSeconds,
      key,
    });
  }

  issueAccessToken(userId: string, sessionId: string): Promise<IssuedToken> {
    if (!this.issuer) throw new Error('the signing key is not loaded: AuthModule has not been initialised');
    return this.issuer.issue({ sub: userId, sid: sessionId });
  }

  async published(): Promise<JsonWebKeySet> {
    return { keys: (await this.keys.published()).map((jwk) => ({ ...jwk })) };
  }
}
