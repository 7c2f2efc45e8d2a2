import { Injectable, OnModuleInit } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';
import type { Algorithm } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';

/** `Algorithm.Argon2id`: the library declares a const enum, which transpilers cannot inline. */
const ARGON2ID = 2 as Algorithm;

/**
 * argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane): about 40 ms on one core, so a 2-core
 * box can still take bursts of logins. Parameters live in each hash, so raising them later keeps
 * old hashes verifiable.
 */
const PARAMS = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 };

@Injectable()
export class PasswordHasher implements OnModuleInit {
  private decoy?: string;

  /** A hash of nothing anyone knows, so a login for an unknown user costs the same as a real one. */
  async onModuleInit(): Promise<void> {
    this.decoy = await hash(randomBytes(32).toString('base64url'), PARAMS);
  }

  hash(password: string): Promise<string> {
    return hash(password, PARAMS);
  }

  /** Constant-time comparison inside the library. */
  verify(passwordHash: string, password: string): Promise<boolean> {
    return verify(passwordHash, password);
  }

  /** Spends one verification and answers false (unknown user: no enumeration by timing). */
  async verifyDecoy(password: string): Promise<false> {
    this.decoy ??= await hash(randomBytes(32).toString('base64url'), PARAMS);
    await verify(this.decoy, password);
    return false;
  }
}
