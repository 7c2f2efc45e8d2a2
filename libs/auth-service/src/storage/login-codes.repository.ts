import { Inject, Injectable } from '@nestjs/common';
import { SQL_DB, SqlDb, SqlQueryable } from '@parley/ports';

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

const HOUR_SECONDS = 3600;

/** The live code per destination key, with the destination's send window (one row each). */
@Injectable()
export class LoginCodesRepository {
  constructor(@Inject(SQL_DB) private readonly db: SqlDb) {}

  /**
   * Replaces the destination's code unless it is inside its resend gap or has used its sends this
   * hour: one statement under the row lock, so concurrent requests (any replica) cannot overspend.
   */
  issue(key: string, codeHash: string, ttlSec: number, attempts: number, resendAfterSec: number, sendsPerHour: number): Promise<IssueOutcome> {
    return this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO login_codes (destination_key, code_hash, expires_at, attempts_left, sent_at, window_started_at, sends_in_window)
         VALUES ($1, NULL, now(), 0, now() - interval '1 day', now(), 0) ON CONFLICT (destination_key) DO NOTHING`,
        [key],
      );
      const r = await tx.query<{ gap: number; window_left: number; sends: number }>(
        `SELECT GREATEST(0, $2::int - EXTRACT(EPOCH FROM now() - sent_at))::float8 AS gap,
                GREATEST(0, ${HOUR_SECONDS} - EXTRACT(EPOCH FROM now() - window_started_at))::float8 AS window_left,
                sends_in_window AS sends
           FROM login_codes WHERE destination_key = $1 FOR UPDATE`,
        [key, resendAfterSec],
      );
      const row = r.rows[0];
      const windowOpen = Number(row.window_left) > 0;
      const sends = windowOpen ? Number(row.sends) : 0;
      if (Number(row.gap) > 0) return { issued: false, retryAfterSec: Math.ceil(Number(row.gap)) };
      if (sends >= sendsPerHour) return { issued: false, retryAfterSec: Math.ceil(Number(row.window_left)) };
      await tx.query(
        `UPDATE login_codes SET code_hash = $2, expires_at = now() + make_interval(secs => $3::float8), attempts_left = $4, sent_at = now(),
                window_started_at = CASE WHEN $5::boolean THEN window_started_at ELSE now() END, sends_in_window = $6
          WHERE destination_key = $1`,
        [key, codeHash, ttlSec, attempts, windowOpen, sends + 1],
      );
      return { issued: true, retryAfterSec: 0 };
    });
  }

  /**
   * Forgets destinations nobody asked a code for in two hours (their codes expired, their send
   * windows closed): keeps the table to the destinations of the last hours. Bounded per call.
   */
  async prune(): Promise<number> {
    const r = await this.db.query(
      `DELETE FROM login_codes WHERE destination_key IN (SELECT destination_key FROM login_codes WHERE sent_at < now() - interval '2 hours' LIMIT 1000)`,
    );
    return r.rowCount;
  }

  /** The destination's code, locked for the caller's transaction. */
  async lock(tx: SqlQueryable, key: string): Promise<LiveCode | null> {
    const r = await tx.query<{ code_hash: string | null; expired: boolean; attempts_left: number }>(
      `SELECT code_hash, expires_at <= now() AS expired, attempts_left FROM login_codes WHERE destination_key = $1 FOR UPDATE`,
      [key],
    );
    return r.rows.length ? { codeHash: r.rows[0].code_hash, expired: r.rows[0].expired, attemptsLeft: Number(r.rows[0].attempts_left) } : null;
  }

  /** One wrong guess; the last one burns the code. */
  async spendAttempt(tx: SqlQueryable, key: string): Promise<void> {
    await tx.query(
      `UPDATE login_codes SET attempts_left = GREATEST(0, attempts_left - 1), code_hash = CASE WHEN attempts_left <= 1 THEN NULL ELSE code_hash END WHERE destination_key = $1`,
      [key],
    );
  }

  /** Used, or given up: the code can never match again (the send window stays). */
  async burn(tx: SqlQueryable, key: string): Promise<void> {
    await tx.query(`UPDATE login_codes SET code_hash = NULL, attempts_left = 0 WHERE destination_key = $1`, [key]);
  }
}
