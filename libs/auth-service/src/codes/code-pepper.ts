import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { SQL_DB, SqlDb } from '@parley/ports';
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
    @Inject(SQL_DB) private readonly db: SqlDb,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    const configured = this.options.codes?.pepper ?? '';
    if (configured) {
      this.crypto = new CodeCrypto(Buffer.from(configured, 'utf8'));
      return;
    }
    await this.db.query(`INSERT INTO auth_secrets (name, value) VALUES ('code_pepper', $1) ON CONFLICT (name) DO NOTHING`, [randomBytes(32).toString('base64url')]);
    const r = await this.db.query<{ value: string }>(`SELECT value FROM auth_secrets WHERE name = 'code_pepper'`);
    this.crypto = new CodeCrypto(Buffer.from(r.rows[0].value, 'base64url'));
  }

  get(): CodeCrypto {
    if (!this.crypto) throw new Error('code pepper not loaded yet');
    return this.crypto;
  }
}
