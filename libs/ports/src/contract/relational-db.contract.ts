/// <reference types="jest" />
import { isDomainError } from '@parley/domain';
import { isUniqueViolation, SqlDb } from '../sql.port';
import { uniqueName } from './support';

export interface RelationalDbUnderTest {
  db: SqlDb;
  cleanup(): Promise<void>;
}

// The presence and notification tables as their migrations create them (IF NOT EXISTS: the suite
// can run against a shared server where they already exist; every row it writes has its own id).
const TABLES = `
CREATE TABLE IF NOT EXISTS last_seen (user_id text PRIMARY KEY, last_seen_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS push_outbox (user_id text NOT NULL, conversation_id text NOT NULL, seq bigint NOT NULL, message_id text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), sent_at timestamptz, PRIMARY KEY (user_id, conversation_id, seq));
`;

/**
 * What `SqlDb.relational()` (Prisma Client on the adapter's own connections) must do on every
 * adapter (see relational/relational.port.ts).
 */
export function describeRelationalDbContract(name: string, makeAdapter: () => Promise<RelationalDbUnderTest>): void {
  describe(`RelationalDb contract: ${name}`, () => {
    let adapter: RelationalDbUnderTest;
    let db: SqlDb;

    beforeAll(async () => {
      adapter = await makeAdapter();
      db = adapter.db;
      await db.exec(TABLES);
    });

    afterAll(async () => {
      await adapter?.cleanup();
    });

    it('reads and writes the same database as the SqlDb it comes from', async () => {
      const user = uniqueName('rel-user');
      const at = new Date('2026-01-02T03:04:05.678Z');
      await db.relational().run((c) => c.lastSeen.create({ data: { userId: user, lastSeenAt: at } }));
      const viaSql = await db.query<{ last_seen_at: Date }>(`SELECT last_seen_at FROM last_seen WHERE user_id = $1`, [user]);
      expect(viaSql.rows[0].last_seen_at.toISOString()).toBe(at.toISOString());
      await db.query(`UPDATE last_seen SET last_seen_at = last_seen_at + interval '1 second' WHERE user_id = $1`, [user]);
      const viaPrisma = await db.relational().run((c) => c.lastSeen.findUnique({ where: { userId: user } }));
      expect(viaPrisma?.lastSeenAt.toISOString()).toBe('2026-01-02T03:04:06.678Z');
    });

    it('commits a transaction that resolves, and rolls back one that throws with the error unchanged', async () => {
      const [kept, dropped] = [uniqueName('rel-kept'), uniqueName('rel-dropped')];
      await db.relational().transaction(async (tx) => {
        await tx.pushOutbox.create({ data: { userId: kept, conversationId: 'c', seq: 1n, messageId: 'm1' } });
        await tx.pushOutbox.create({ data: { userId: kept, conversationId: 'c', seq: 2n, messageId: 'm2' } });
      });
      const boom = new Error('caller failed');
      await expect(
        db.relational().transaction(async (tx) => {
          await tx.pushOutbox.create({ data: { userId: dropped, conversationId: 'c', seq: 1n, messageId: 'm1' } });
          throw boom;
        }),
      ).rejects.toBe(boom);
      const rows = await db.relational().run((c) => c.pushOutbox.findMany({ where: { userId: { in: [kept, dropped] } }, orderBy: { seq: 'asc' } }));
      expect(rows.map((r) => [r.userId, r.seq])).toEqual([
        [kept, 1n],
        [kept, 2n],
      ]);
    });

    it('surfaces a unique violation as one (isUniqueViolation), outside and inside a transaction', async () => {
      const user = uniqueName('rel-dup');
      const create = () => db.relational().run((c) => c.lastSeen.create({ data: { userId: user, lastSeenAt: new Date() } }));
      await create();
      const outside = await create().catch((e: unknown) => e);
      expect(isUniqueViolation(outside)).toBe(true);
      expect(isDomainError(outside)).toBe(false);
      const inside = await db
        .relational()
        .transaction((tx) => tx.lastSeen.create({ data: { userId: user, lastSeenAt: new Date() } }))
        .catch((e: unknown) => e);
      expect(isUniqueViolation(inside)).toBe(true);
      // A hand-written statement through the client fails as P2010 carrying the driver's 23505.
      const raw = await db
        .relational()
        .run((c) => c.$executeRaw`INSERT INTO last_seen (user_id, last_seen_at) VALUES (${user}, now())`)
        .catch((e: unknown) => e);
      expect(isUniqueViolation(raw)).toBe(true);
      expect(isDomainError(raw)).toBe(false);
      const other = await db.relational().run((c) => c.$executeRaw`INSERT INTO last_seen (user_id, last_seen_at) VALUES (${user}, 'not a time')`).catch((e: unknown) => e);
      expect(other).toBeInstanceOf(Error);
      expect(isUniqueViolation(other)).toBe(false);
    });

    it('runs raw SQL through the same client, parameterized ($queryRaw)', async () => {
      const user = uniqueName('rel-raw');
      await db.relational().run((c) => c.lastSeen.create({ data: { userId: user, lastSeenAt: new Date() } }));
      const hostile = `${user}' OR '1'='1`;
      const none = await db.relational().run((c) => c.$queryRaw<{ user_id: string }[]>`SELECT user_id FROM last_seen WHERE user_id = ${hostile}`);
      expect(none).toEqual([]);
      const one = await db.relational().run((c) => c.$queryRaw<{ user_id: string }[]>`SELECT user_id FROM last_seen WHERE user_id = ${user}`);
      expect(one).toEqual([{ user_id: user }]);
    });
  });
}
