import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';
import type { Algorithm, Options } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';
import { AUTH_OPTIONS, AuthOptions, PasswordHashCost } from '../auth.options';

/** `Algorithm.Argon2id`: the library declares a const enum, which transpilers cannot inline. */
const ARGON2ID = 2 as Algorithm;

/**
 * argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane): about 40 ms on one core, so a 2-core
 * box can still take bursts of logins. Parameters live in each hash, so raising them later keeps
 * old hashes verifiable.
 */
const STANDARD: Options = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 };

/**
 * The least argon2id accepts (8 KiB per lane, one pass): microseconds per hash, no protection
 * against guessing at all. For test suites that register thousands of users, never in production.
 */
const TEST_ONLY: Options = { algorithm: ARGON2ID, memoryCost: 8, timeCost: 1, parallelism: 1 };

const PARAMS_BY_COST: Record<PasswordHashCost, Options> = { standard: STANDARD, test: TEST_ONLY };

@Injectable()
export class PasswordHasher implements OnModuleInit {
  private decoy?: string;
  private readonly params: Options;

  constructor(@Inject(AUTH_OPTIONS) options: AuthOptions) {
    const cost = options.passwordHashCost ?? 'standard';
    this.params = PARAMS_BY_COST[cost];
    if (cost !== 'standard') {
      process.emitWarning(`password hashes use the "${cost}" cost (argon2id at the library minimum): for test suites only, never in production`, {
        code: 'PARLEY_TEST_PASSWORD_HASH_COST',
      });
    }
  }

  /** A hash of nothing anyone knows, so a login for an unknown user costs the same as a real one. */
  async onModuleInit(): Promise<void> {
    this.decoy = await hash(randomBytes(32).toString('base64url'), this.params);
  }

  hash(password: string): Promise<string> {
    return hash(password, this.params);
  }

  /** Constant-time comparison inside the library. */
  verify(passwordHash: string, password: string): Promise<boolean> {
    return verify(passwordHash, password);
  }

  /** Spends one verification and answers false (unknown user: no enumeration by timing). */
  async verifyDecoy(password: string): Promise<false> {
    this.decoy ??= await hash(randomBytes(32).toString('base64url'), this.params);
    await verify(this.decoy, password);
    return false;
  }
}
