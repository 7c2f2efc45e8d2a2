import { Injectable } from '@nestjs/common';
import { CodeChannel, SqlQueryable } from '@parley/ports';

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
}
