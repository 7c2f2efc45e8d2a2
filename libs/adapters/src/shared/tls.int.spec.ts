import { PgSqlDb } from '../postgres/pg-sql.adapter';
import { openRedis } from '../redis/redis-connection';
import { makeTestCa, removeTestCa, RunningServer, startTlsPostgres, startTlsRedis, TestCa } from '../testing/tls-servers';

/**
 * TLS to Postgres (sslmode=verify-full with the test CA) and Redis (rediss:// with
 * PARLEY_REDIS_TLS_CA_FILE's option), against servers of our own that speak only TLS with a
 * certificate signed by a CA made for this run. Trusting another CA, or no TLS at all, fails.
 */
let ca: TestCa;
let redis: RunningServer;
let postgres: RunningServer;

beforeAll(async () => {
  ca = makeTestCa();
  [redis, postgres] = await Promise.all([startTlsRedis(ca), startTlsPostgres(ca)]);
}, 90_000);
afterAll(async () => {
  await Promise.all([redis?.stop(), postgres?.stop()]);
  if (ca) removeTestCa(ca);
}, 30_000);

describe('TLS to the data systems', () => {
  test('Postgres with sslmode=verify-full: connects over TLS with the test CA, refuses another CA', async () => {
    const url = (caFile: string) => `postgres://postgres@localhost:${postgres.port}/postgres?sslmode=verify-full&sslrootcert=${encodeURIComponent(caFile)}`;
    const db = new PgSqlDb({ connectionString: url(ca.caFile) });
    try {
      const { rows } = await db.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(rows).toEqual([{ ssl: true }]);
    } finally {
      await db.close();
    }
    const wrong = new PgSqlDb({ connectionString: url(ca.otherCaFile) });
    try {
      await expect(wrong.query('SELECT 1')).rejects.toThrow();
    } finally {
      await wrong.close();
    }
    const plain = new PgSqlDb({ connectionString: `postgres://postgres@localhost:${postgres.port}/postgres?sslmode=disable` });
    try {
      await expect(plain.query('SELECT 1')).rejects.toThrow();
    } finally {
      await plain.close();
    }
  }, 60_000);

  test('Redis over rediss:// with the test CA; another CA is refused', async () => {
    const client = await openRedis({ url: `rediss://localhost:${redis.port}`, tlsCaFile: ca.caFile });
    try {
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
    await expect(openRedis({ url: `rediss://localhost:${redis.port}`, tlsCaFile: ca.otherCaFile, connectTimeoutMs: 1000 })).rejects.toThrow();
    await expect(openRedis({ url: `redis://localhost:${redis.port}`, tlsCaFile: ca.caFile })).rejects.toThrow(/rediss/);
  }, 60_000);
});
