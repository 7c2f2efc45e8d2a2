import { Inject, Injectable } from '@nestjs/common';
import { SQL_DB, SqlDb, SqlQueryable } from '@parley/ports';

export interface SessionRecord {
  id: string;
  userId: string;
  revoked: boolean;
}

/** A session is one login on one device; revoking it ends all its refresh tokens. */
@Injectable()
export class SessionsRepository {
  constructor(@Inject(SQL_DB) private readonly db: SqlDb) {}

  async create(q: SqlQueryable, id: string, userId: string): Promise<void> {
    await q.query(`INSERT INTO sessions (id, user_id) VALUES ($1, $2)`, [id, userId]);
  }

  async find(q: SqlQueryable, id: string): Promise<SessionRecord | null> {
    const r = await q.query<{ user_id: string; revoked: boolean }>(
      `SELECT user_id, revoked_at IS NOT NULL AS revoked FROM sessions WHERE id = $1`,
      [id],
    );
    return r.rows.length ? { id, userId: r.rows[0].user_id, revoked: r.rows[0].revoked } : null;
  }

  /** Which of these sessions exist unrevoked (one query). */
  async activeAmong(ids: readonly string[]): Promise<Set<string>> {
    const r = await this.db.query<{ id: string }>(`SELECT id FROM sessions WHERE id = ANY($1::text[]) AND revoked_at IS NULL`, [[...ids]]);
    return new Set(r.rows.map((row) => row.id));
  }

  async isActive(id: string): Promise<boolean> {
    const r = await this.db.query(`SELECT 1 FROM sessions WHERE id = $1 AND revoked_at IS NULL`, [id]);
    return r.rows.length > 0;
  }

  /**
   * Revokes the session (idempotent: the first revocation time is kept). Answers the owner's id,
   * or null when no such session exists (or, with `userId`, it is someone else's).
   */
  async revoke(q: SqlQueryable, id: string, userId?: string): Promise<string | null> {
    const r = await q.query<{ user_id: string }>(
      `UPDATE sessions SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 AND ($2::text IS NULL OR user_id = $2) RETURNING user_id`,
      [id, userId ?? null],
    );
    return r.rows.length ? r.rows[0].user_id : null;
  }
}
