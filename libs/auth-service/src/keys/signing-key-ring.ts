import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { JsonWebKeySet } from '@parley/ports';
import { generateSigningKey, IssuedToken, SigningKey, TokenIssuer } from '@parley/tokens';
import { AUTH_OPTIONS, AuthOptions } from '../auth.options';
import { SigningKeysRepository } from '../storage/signing-keys.repository';
import { activeKey, loadSigningKeys } from './key-files';

/**
 * The key that signs access tokens. Loaded at module init, so tokens stay valid across restarts
 * and all replicas sign with the same key: from the key directory when one is configured (all its
 * keys published, the active kid signs: rotation, docs/deploy.md), else from storage (created on
 * the first boot).
 */
@Injectable()
export class SigningKeyRing implements OnModuleInit {
  private issuer?: TokenIssuer;
  /** The directory's keys, when keys come from a directory. */
  private fileKeys: SigningKey[] | null = null;

  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
    private readonly keys: SigningKeysRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    let key: SigningKey;
    if (this.options.signingKeysDir) {
      this.fileKeys = await loadSigningKeys(this.options.signingKeysDir);
      key = activeKey(this.fileKeys, this.options.activeKid ?? '');
    } else {
      key = await this.keys.activeOrCreate(generateSigningKey);
    }
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
    if (this.fileKeys) return { keys: this.fileKeys.map((k) => ({ ...k.publicJwk })) };
    return { keys: (await this.keys.published()).map((jwk) => ({ ...jwk })) };
  }
}
