import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { RELATIONAL_DB, RelationalDb } from '@parley/ports';
import { randomBytes } from 'node:crypto';
import { AUTH_OPTIONS, AuthOptions } from '../auth.options';
import { CodeCrypto } from './code-crypto';

/**
 * The code crypto under the configured pepper (PARLEY_OTP_PEPPER, a secret), or, when none is set,
 * under a random one created once in `auth_secrets` (every auth replica reads the same).
 */
@Injectable()
export class CodePepper implements OnModuleInit {
  private crypto?: CodeCrypto;

  constructor(
    @Inject(RELATIONAL_DB) private readonly db: RelationalDb,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    const configured = this.options.codes?.pepper ?? '';
    if (configured) {
      this.crypto = new CodeCrypto(Buffer.from(configured, 'utf8'));
      return;
    }
    // The first replica's value wins (skipDuplicates: INSERT … ON CONFLICT DO NOTHING); all read it back.
    const value = await this.db.run(async (c) => {
      await c.authSecret.createMany({ data: [{ name: 'code_pepper', value: randomBytes(32).toString('base64url') }], skipDuplicates: true });
      return (await c.authSecret.findUniqueOrThrow({ where: { name: 'code_pepper' }, select: { value: true } })).value;
    });
    this.crypto = new CodeCrypto(Buffer.from(value, 'base64url'));
  }

  get(): CodeCrypto {
    if (!this.crypto) throw new Error('code pepper not loaded yet');
    return this.crypto;
  }
}
