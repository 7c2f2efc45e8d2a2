import { Injectable } from '@nestjs/common';
import { RelationalTx } from '@parley/ports';
import { LoginCodesRepository } from '../storage/login-codes.repository';
import { CodePepper } from './code-pepper';

/**
 * Uses a destination's code inside the caller's transaction, under the row lock (concurrent guesses
 * are serialized, so a code never takes more than its attempts and is used once): a wrong guess
 * spends an attempt and the last burns it; the right one burns it. The caller commits either way.
 */
@Injectable()
export class CodeConsumer {
  constructor(
    private readonly pepper: CodePepper,
    private readonly codes: LoginCodesRepository,
  ) {}

  async consume(tx: RelationalTx, channel: string, address: string, code: string): Promise<boolean> {
    const crypto = this.pepper.get();
    const key = crypto.destinationKey(channel, address);
    const live = await this.codes.lock(tx, key);
    if (!live || live.codeHash === null || live.expired || live.attemptsLeft <= 0) return false;
    if (!crypto.matches(key, code, live.codeHash)) {
      await this.codes.spendAttempt(tx, key, live.attemptsLeft);
      return false;
    }
    await this.codes.burn(tx, key);
    return true;
  }
}
