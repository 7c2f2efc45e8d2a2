import { Inject, Injectable } from '@nestjs/common';
import { RELATIONAL_DB, RelationalDb, RelationalTx, SQL_DB, SqlDb } from '@parley/ports';

export interface SessionRecord {
  id: string;
  userId: string;
  revoked: boolean;
}

/** A session is one login on one device; revoking it ends all its refresh tokens. */
@Injectable()
export class SessionsRepository {
  constructor(
    @Inject(RELATIONAL_DB) private readonly db: RelationalDb,
    @Inject(SQL_DB) private readonly sql: SqlDb,
  ) {}

  async create(tx: RelationalTx, id: string, userId: string): Promise<void> {
    await tx.session.create({ data: { id, userId } });
  }

  async find(tx: RelationalTx, id: string): Promise<SessionRecord | null> {
    const row = await tx.session.findUnique({ where: { id }, select: { userId: true, revokedAt: true } });
    return row ? { id, userId: row.userId, revoked: row.revokedAt !== null } : null;
  }

  /**
   * Which of these sessions exist unrevoked (one query). Through `SqlDb`, on the connections Prisma
   * Client uses too (ADR 0004): it is the one relational query of connection setup (a gateway asks
   * about the sessions it does not know yet, all of them after a restart); the model API's
   * `findMany` cost 3-4x the statement's CPU here and `$queryRaw` about twice
   * (bench/relational/session-lookup-bench.ts).
   */
  async activeAmong(ids: readonly string[]): Promise<Set<string>> {
    const r = await this.sql.query<{ id: string }>(`SELECT id FROM sessions WHERE id = ANY($1::text[]) AND revoked_at IS NULL`, [[...ids]]);
    return new Set(r.rows.map((row) => row.id));
  }

  async isActive(id: string): Promise<boolean> {
    return (await this.db.run((c) => c.session.findFirst({ where: { id, revokedAt: null }, select: { id: true } }))) !== null;
  }

  /**
   * Revokes the session (idempotent: the first revocation time is kept). Answers the owner's id,
   * or null when no such session exists (or, with `userId`, it is someone else's). Outside a
   * transaction the two statements are still safe: the update only ever sets a time once.
   */
  async revoke(tx: RelationalTx, id: string, userId?: string): Promise<string | null> {
    const mine = { id, ...(userId === undefined ? {} : { userId }) };
    await tx.session.updateMany({ where: { ...mine, revokedAt: null }, data: { revokedAt: new Date() } });
    const row = await tx.session.findFirst({ where: mine, select: { userId: true } });
    return row?.userId ?? null;
  }
}
