import { isDomainError } from '@parley/domain';
import { PgliteSqlDb, runMigrations } from '@parley/ports';
import { describeRelationalDbContract, describeSqlDbContract, uniqueName } from '../../../ports/src/contract';
import { closedPort, hostPort, integrationEnv, requireServer } from '../testing/integration-env';
import { recordingLogger } from '../testing/recording-logger';
import { TcpProxy } from '../testing/tcp-proxy';
import { PgSqlDb } from './pg-sql.adapter';

const url = integrationEnv.postgresUrl;

async function openDb(): Promise<PgSqlDb> {
  await requireServer('postgres', url);
  return new PgSqlDb({ connectionString: url, maxConnections: 4, logger: recordingLogger() });
}

describeSqlDbContract('postgres (node-postgres)', async () => {
  const db = await openDb();
  return { db, cleanup: () => db.close() };
});

describeRelationalDbContract('postgres (@prisma/adapter-pg on the PgSqlDb pool)', async () => {
  const db = await openDb();
  return { db, cleanup: () => db.close() };
});

describe('PgSqlDb.relational() when the server cannot be reached', () => {
  it('answers UNAVAILABLE within the connect timeout, for a query and for a transaction', async () => {
    const db = new PgSqlDb({ connectionString: `postgres://parley:parley@127.0.0.1:${await closedPort()}/parley`, connectTimeoutMs: 500, logger: recordingLogger() });
    try {
      const started = Date.now();
      const q = await db.relational().run((c) => c.lastSeen.findMany()).catch((e: unknown) => e);
      expect(isDomainError(q) && q.code).toBe('UNAVAILABLE');
      const t = await db.relational().transaction((tx) => tx.lastSeen.findMany()).catch((e: unknown) => e);
      expect(isDomainError(t) && t.code).toBe('UNAVAILABLE');
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await db.close();
    }
  });
});

describe('PgSqlDb on a real server', () => {
  let db: PgSqlDb;

  beforeAll(async () => {
    db = await openDb();
  });

  afterAll(async () => {
    await db?.close();
  });

  it('runs the migration runner (advisory lock) once, even when two runners race', async () => {
    const table = uniqueName('migrated').replace(/[^a-z0-9]/g, '_');
    const migrations = [{ id: `adapters-it/${table}`, sql: `CREATE TABLE ${table} (id int PRIMARY KEY);\nINSERT INTO ${table} VALUES (1);` }];
    const other = await openDb();
    try {
      // runMigrations creates schema_migrations before it takes its lock, and two concurrent
      // CREATE TABLE IF NOT EXISTS can collide on a fresh database (reported to the ports' owner):
      // create it first, so this test races only the locked part.
      await runMigrations(db, []);
      const [a, b] = await Promise.all([runMigrations(db, migrations), runMigrations(other, migrations)]);
      expect([...a, ...b]).toEqual([migrations[0].id]);
      expect((await db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${table}`)).rows[0].n).toBe(1);
    } finally {
      await other.close();
      await db.exec(`DROP TABLE IF EXISTS ${table}; DELETE FROM schema_migrations WHERE id = '${migrations[0].id}'`);
    }
  });

  it('keeps one connection for a transaction: its writes are invisible to others until COMMIT', async () => {
    const table = uniqueName('tx').replace(/[^a-z0-9]/g, '_');
    await db.exec(`CREATE TABLE ${table} (id text PRIMARY KEY)`);
    try {
      let seenOutside = -1;
      await db.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${table} (id) VALUES ($1)`, ['a']);
        seenOutside = (await db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${table}`)).rows[0].n;
      });
      expect(seenOutside).toBe(0);
      expect((await db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${table}`)).rows[0].n).toBe(1);
    } finally {
      await db.exec(`DROP TABLE IF EXISTS ${table}`);
    }
  });

  it('parses values as the embedded adapter (PGlite) does, so repositories read the same types from both', async () => {
    const sql = `SELECT COUNT(*) AS n, 42::int8 AS i8, 9007199254740993::int8 AS huge, ARRAY[1, 2]::int8[] AS i8s, 7::int4 AS i4,
      '2020-01-02'::date AS d, '2020-01-02 03:04:05.678+02'::timestamptz AS tz, 1.50::numeric AS num, '{"a":[1]}'::jsonb AS doc,
      true AS flag, NULL::text AS nothing FROM (VALUES (1), (2)) AS v(x)`;
    const embedded = await PgliteSqlDb.open(undefined);
    try {
      const expected = (await embedded.query(sql)).rows;
      expect((await db.query(sql)).rows).toEqual(expected);
      expect(expected[0]).toMatchObject({ n: 2, i8: 42, huge: 9007199254740993n, d: new Date('2020-01-02T00:00:00Z') });
    } finally {
      await embedded.close();
    }
  }, 60_000); // PGlite opens in seconds on a busy machine

  it('refuses a query of several statements (parameters are never spliced into SQL text)', async () => {
    await expect(db.query(`SELECT 1; SELECT 2`)).rejects.toThrow();
    expect(await db.healthy()).toBe(true);
  });

  it('maps a statement timeout to UNAVAILABLE', async () => {
    const slow = new PgSqlDb({ connectionString: url, statementTimeoutMs: 200, queryTimeoutMs: 5000, logger: recordingLogger() });
    try {
      const error = await slow.query(`SELECT pg_sleep(5)`).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isDomainError(error) && error.code).toBe('UNAVAILABLE');
    } finally {
      await slow.close();
    }
  });

  it('answers UNAVAILABLE after close(), and healthy() is false', async () => {
    const closing = await openDb();
    await closing.close();
    await expect(closing.query('SELECT 1')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(await closing.healthy()).toBe(false);
  });
});

describe('PgSqlDb with the server down', () => {
  it('fails fast with UNAVAILABLE (query, transaction) and reports unhealthy, without hanging', async () => {
    const port = await closedPort();
    const down = new PgSqlDb({ connectionString: `postgres://parley:parley@127.0.0.1:${port}/parley`, connectTimeoutMs: 1000, logger: recordingLogger() });
    try {
      await expect(down.query('SELECT 1')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await expect(down.transaction(async (tx) => tx.query('SELECT 1'))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(await down.healthy()).toBe(false);
    } finally {
      await down.close();
    }
  }, 10_000);

  it('answers UNAVAILABLE while the server is away, reports unhealthy, and recovers when it is back', async () => {
    await requireServer('postgres', url);
    const proxy = await TcpProxy.start(hostPort(url));
    const through = new URL(url);
    through.host = proxy.address;
    const db = new PgSqlDb({ connectionString: through.toString(), connectTimeoutMs: 1000, logger: recordingLogger() });
    try {
      expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await proxy.down();
      await expect(db.query('SELECT 1')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await expect(db.transaction(async (tx) => tx.query('SELECT 1'))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(await db.healthy()).toBe(false);
      await proxy.up();
      expect(await db.healthy()).toBe(true);
      expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
      await proxy.down();
    }
  }, 15_000);

  it('fails with UNAVAILABLE when no connection comes within connectTimeoutMs (pool exhausted)', async () => {
    await requireServer('postgres', url);
    const tiny = new PgSqlDb({ connectionString: url, maxConnections: 1, connectTimeoutMs: 300, logger: recordingLogger() });
    try {
      let release: () => void = () => undefined;
      let entered: () => void = () => undefined;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      const held = tiny.transaction(async () => {
        entered();
        await new Promise<void>((resolve) => (release = resolve));
      });
      // The transaction holds the only connection from here on.
      await inside;
      await expect(tiny.query('SELECT 1')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      release();
      await held;
      expect((await tiny.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await tiny.close();
    }
  }, 10_000);
});
