import { Injectable } from '@nestjs/common';
import { CodeChannel, IdentityView, SqlQueryable } from '@parley/ports';
import { toIso } from './sql-values';

/** Verified phone numbers and e-mail addresses of users; each belongs to one user. */
@Injectable()
export class IdentitiesRepository {
  async ownerOf(q: SqlQueryable, channel: CodeChannel, address: string): Promise<string | null> {
    const r = await q.query<{ user_id: string }>(`SELECT user_id FROM user_identities WHERE channel = $1 AND address = $2`, [channel, address]);
    return r.rows.length ? r.rows[0].user_id : null;
  }

  /** Throws a unique violation when the identity already has an owner. */
  async insert(q: SqlQueryable, channel: CodeChannel, address: string, userId: string): Promise<void> {
    await q.query(`INSERT INTO user_identities (channel, address, user_id) VALUES ($1, $2, $3)`, [channel, address, userId]);
  }

  async listOf(q: SqlQueryable, userId: string): Promise<IdentityView[]> {
    const r = await q.query<{ channel: CodeChannel; address: string; verified_at: unknown }>(
      `SELECT channel, address, verified_at FROM user_identities WHERE user_id = $1 ORDER BY verified_at, channel, address`,
      [userId],
    );
    return r.rows.map((row) => ({ channel: row.channel, destination: row.address, verified_at: toIso(row.verified_at) }));
  }
}
