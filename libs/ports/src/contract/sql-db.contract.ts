/// <reference types="jest" />
import { SqlDb, isUniqueViolation } from '../sql.port';
import { uniqueName } from './support';

export interface SqlDbUnderTest {
  db: SqlDb;
  cleanup(): Promise<void>;
}

/**
 * What every SqlDb adapter must do for its callers (see sql.port.ts). Each test works in a table
 * of its own, dropped afterwards, so the suite can run against a shared server.
 */
export function describeSqlDbContract(name: string, makeAdapter: () => Promise<SqlDbUnderTest>): void {
  describe(`SqlDb contract: ${name}`, () => {
    let adapter: SqlDbUnderTest;
    let db: SqlDb;
    let table: string;

    beforeAll(async () => {
      adapter = await makeAdapter();
      db = adapter.db;
    });

    beforeEach(async () => {
      table = uniqueName('contract').replace(/[^a-z0-9]/g, '_');
      await db.exec(`CREATE TABLE ${table} (id text PRIMARY KEY, n integer NOT NULL, doc jsonb)`);
    });

    afterEach(async () => {
      await db.exec(`DROP TABLE IF EXISTS ${table}`);
    });

    afterAll(async () => {
      await adapter?.cleanup();
    });

    const count = async () => (await db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${table}`)).rows[0].n;

    it('runs one statement with $n parameters and reports affected rows', async () => {
      const inserted = await db.query(`INSERT INTO ${table} (id, n) VALUES ($1, $2), ($3, $4)`, ['a', 1, 'b', 2]);
      expect(inserted.rowCount).toBe(2);
      const updated = await db.query(`UPDATE ${table} SET n = n + 10 WHERE id = $1`, ['a']);
      expect(updated.rowCount).toBe(1);
      const r = await db.query<{ id: string; n: number }>(`SELECT id, n FROM ${table} WHERE n > $1 ORDER BY id`, [0]);
      expect(r.rows).toEqual([
        { id: 'a', n: 11 },
        { id: 'b', n: 2 },
      ]);
      expect(r.rowCount).toBe(2);
    });

    it('passes text parameters through unchanged and returns jsonb as parsed JSON', async () => {
      const tricky = `it's "quoted"; DROP TABLE x; -- é 👋`;
      await db.query(`INSERT INTO ${table} (id, n, doc) VALUES ($1, 1, $2::text::jsonb)`, [tricky, JSON.stringify({ a: [1, 'two'] })]);
      const r = await db.query<{ id: string; doc: unknown }>(`SELECT id, doc FROM ${table}`);
      expect(r.rows).toEqual([{ id: tricky, doc: { a: [1, 'two'] } }]);
    });

    it('runs a script of several statements with exec()', async () => {
      await db.exec(`INSERT INTO ${table} (id, n) VALUES ('a', 1);\nINSERT INTO ${table} (id, n) VALUES ('b', 2);`);
      expect(await count()).toBe(2);
    });

    it('commits a transaction when its function resolves, and returns its value', async () => {
      const value = await db.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${table} (id, n) VALUES ($1, $2)`, ['a', 1]);
        await tx.query(`INSERT INTO ${table} (id, n) VALUES ($1, $2)`, ['b', 2]);
        return (await tx.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${table}`)).rows[0].n;
      });
      expect(value).toBe(2);
      expect(await count()).toBe(2);
    });

    it('rolls a transaction back when its function throws, and rethrows the error', async () => {
      await db.query(`INSERT INTO ${table} (id, n) VALUES ('kept', 0)`);
      const failure = new Error('use case failed');
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`INSERT INTO ${table} (id, n) VALUES ($1, $2)`, ['lost', 1]);
          await tx.query(`UPDATE ${table} SET n = 99 WHERE id = 'kept'`);
          throw failure;
        }),
      ).rejects.toBe(failure);
      const r = await db.query<{ id: string; n: number }>(`SELECT id, n FROM ${table}`);
      expect(r.rows).toEqual([{ id: 'kept', n: 0 }]);
    });

    it('reports a unique violation as code 23505, inside and outside a transaction, and stays usable', async () => {
      await db.query(`INSERT INTO ${table} (id, n) VALUES ('a', 1)`);
      const outside = await db.query(`INSERT INTO ${table} (id, n) VALUES ('a', 2)`).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isUniqueViolation(outside)).toBe(true);

      const inside = await db
        .transaction(async (tx) => {
          await tx.query(`INSERT INTO ${table} (id, n) VALUES ('b', 1)`);
          await tx.query(`INSERT INTO ${table} (id, n) VALUES ('a', 3)`);
        })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(isUniqueViolation(inside)).toBe(true);

      const r = await db.query<{ id: string; n: number }>(`SELECT id, n FROM ${table} ORDER BY id`);
      expect(r.rows).toEqual([{ id: 'a', n: 1 }]);
    });

    it('is healthy while open', async () => {
      expect(await db.healthy()).toBe(true);
    });
  });
}
