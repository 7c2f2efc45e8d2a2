import { Injectable } from '@nestjs/common';
import { SqlQueryable } from '@parley/ports';

export interface ConsumedRefreshToken {
  sessionId: string;
  expired: boolean;
}

/** Refresh tokens by their SHA-256; the clear token is never stored. */
@Injectable()
export class RefreshTokensRepository {
  async insert(q: SqlQueryable, tokenHash: string, sessionId: string, ttlSeconds: number): Promise<void> {
    await q.query(
      `INSERT INTO refresh_tokens (token_hash, session_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))`,
      [tokenHash, sessionId, ttlSeconds],
    );
  }

  /**
   * Marks the token used and records its successor, atomically: of two concurrent refreshes with
   * the same token exactly one gets a row. Null when the token is unknown or already used.
   */
  async consume(q: SqlQueryable, tokenHash: string, replacedBy: string): Promise<ConsumedRefreshToken | null> {
    const r = await q.query<{ session_id: string; expired: boolean }>(
      `UPDATE refresh_tokens SET used_at = now(), replaced_by = $2 WHERE token_hash = $1 AND used_at IS NULL
       RETURNING session_id, expires_at <= now() AS expired`,
      [tokenHash, replacedBy],
    );
    return r.rows.length ? { sessionId: r.rows[0].session_id, expired: r.rows[0].expired } : null;
  }

  /** The session of a token that exists (used or not), or null for a token never issued. */
  async sessionOf(q: SqlQueryable, tokenHash: string): Promise<string | null> {
    const r = await q.query<{ session_id: string }>(`SELECT session_id FROM refresh_tokens WHERE token_hash = $1`, [tokenHash]);
    return r.rows.length ? r.rows[0].session_id : null;
  }
}
