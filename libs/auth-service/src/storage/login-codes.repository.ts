import { Inject, Injectable } from '@nestjs/common';
import { RELATIONAL_DB, RelationalDb, RelationalTx } from '@parley/ports';

export interface IssueOutcome {
  issued: boolean;
  /** Seconds until the destination may be sent another code (when not issued). */
  retryAfterSec: number;
}

export interface LiveCode {
  codeHash: string | null;
  expired: boolean;
  attemptsLeft: number;
}

const HOUR_MS = 3600 * 1000;
/** Destinations nobody asked a code for in this long are forgotten (their codes and windows are over). */
const PRUNE_AFTER_MS = 2 * HOUR_MS;
const PRUNE_BATCH = 1000;

interface LockedRow {
  code_hash: string | null;
  expires_at: Date;
  attempts_left: number;
  sent_at: Date;
  window_started_at: Date;
  sends_in_window: number;
}

/** The live code per destination key, with the destination's send window (one row each). */
@Injectable()
export class LoginCodesRepository {
  constructor(@Inject(RELATIONAL_DB) private readonly db: RelationalDb) {}

  /**
   * Replaces the destination's code unless it is inside its resend gap or has used its sends this
   * hour, decided under the row lock, so concurrent requests (any replica) cannot overspend.
   */
  issue(key: string, codeHash: string, ttlSec: number, attempts: number, resendAfterSec: number, sendsPerHour: number): Promise<IssueOutcome> {
    return this.db.transaction(async (tx) => {
      const now = new Date();
      await tx.loginCode.createMany({
        data: [{ destinationKey: key, codeHash: null, expiresAt: now, attemptsLeft: 0, sentAt: new Date(now.getTime() - 24 * HOUR_MS), windowStartedAt: now, sendsInWindow: 0 }],
        skipDuplicates: true,
      });
      const row = await lockRow(tx, key);
      if (!row) throw new Error('login code row vanished under its lock');
      const gapMs = resendAfterSec * 1000 - (now.getTime() - row.sent_at.getTime());
      const windowLeftMs = HOUR_MS - (now.getTime() - row.window_started_at.getTime());
      const windowOpen = windowLeftMs > 0;
      const sends = windowOpen ? Number(row.sends_in_window) : 0;
      if (gapMs > 0) return { issued: false, retryAfterSec: Math.ceil(gapMs / 1000) };
      if (sends >= sendsPerHour) return { issued: false, retryAfterSec: Math.ceil(windowLeftMs / 1000) };
      await tx.loginCode.update({
        where: { destinationKey: key },
        data: {
          codeHash,
          expiresAt: new Date(now.getTime() + ttlSec * 1000),
          attemptsLeft: attempts,
          sentAt: now,
          ...(windowOpen ? {} : { windowStartedAt: now }),
          sendsInWindow: sends + 1,
        },
      });
      return { issued: true, retryAfterSec: 0 };
    });
  }

  /**
   * Forgets destinations nobody asked a code for in two hours (their codes expired, their send
   * windows closed): keeps the table to the destinations of the last hours. Bounded per call.
   */
  prune(): Promise<number> {
    return this.db.run(async (c) => {
      const stale = await c.loginCode.findMany({ where: { sentAt: { lt: new Date(Date.now() - PRUNE_AFTER_MS) } }, select: { destinationKey: true }, take: PRUNE_BATCH });
      if (stale.length === 0) return 0;
      const r = await c.loginCode.deleteMany({ where: { destinationKey: { in: stale.map((s) => s.destinationKey) } } });
      return r.count;
    });
  }

  /** The destination's code, locked for the caller's transaction. */
  async lock(tx: RelationalTx, key: string): Promise<LiveCode | null> {
    const row = await lockRow(tx, key);
    return row ? { codeHash: row.code_hash, expired: row.expires_at.getTime() <= Date.now(), attemptsLeft: Number(row.attempts_left) } : null;
  }

  /** One wrong guess on a locked code with `attemptsLeft` left; the last one burns it. */
  async spendAttempt(tx: RelationalTx, key: string, attemptsLeft: number): Promise<void> {
    const left = Math.max(0, attemptsLeft - 1);
    await tx.loginCode.update({ where: { destinationKey: key }, data: { attemptsLeft: left, ...(left === 0 ? { codeHash: null } : {}) } });
  }

  /** Used, or given up: the code can never match again (the send window stays). */
  async burn(tx: RelationalTx, key: string): Promise<void> {
    await tx.loginCode.update({ where: { destinationKey: key }, data: { codeHash: null, attemptsLeft: 0 } });
  }
}

/** Row lock (SELECT … FOR UPDATE): the one statement here Prisma's query API cannot express. */
async function lockRow(tx: RelationalTx, key: string): Promise<LockedRow | null> {
  const rows = await tx.$queryRaw<LockedRow[]>`SELECT code_hash, expires_at, attempts_left, sent_at, window_started_at, sends_in_window
    FROM login_codes WHERE destination_key = ${key} FOR UPDATE`;
  return rows[0] ?? null;
}
