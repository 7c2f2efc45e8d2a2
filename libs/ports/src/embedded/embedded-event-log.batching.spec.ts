import { uniqueName, waitFor } from '../contract';
import { runMigrations } from '../sql/migrations';
import type { RelationalDb } from '../relational/relational.port';
import { SqlDb, SqlQueryable, SqlResult } from '../sql.port';
import { EmbeddedEventLog, EmbeddedEventLogOptions, eventLogMigrations, partitionFor } from './embedded-event-log.adapter';
import { PgliteSqlDb } from './pglite-sql.adapter';

/** PGlite, counting the statements the log sends by kind. */
class CountingDb implements SqlDb {
  readonly counts = { fetch: 0, insert: 0, commit: 0 };
  constructor(private readonly db: SqlDb) {}

  query<R>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>> {
    if (/^\s*SELECT "offset"::text AS "offset"/.test(text)) this.counts.fetch++;
    else if (/^\s*INSERT INTO log_records/.test(text)) this.counts.insert++;
    else if (/^\s*INSERT INTO log_offsets[\s\S]*unnest/.test(text)) this.counts.commit++;
    return this.db.query<R>(text, params);
  }

  exec(script: string): Promise<void> {
    return this.db.exec(script);
  }

  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  relational(): RelationalDb {
    return this.db.relational();
  }

  healthy(): Promise<boolean> {
    return this.db.healthy();
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

let pglite: PgliteSqlDb;
let db: CountingDb;
const logs: EmbeddedEventLog[] = [];

beforeAll(async () => {
  pglite = await PgliteSqlDb.open(undefined);
  await runMigrations(pglite, eventLogMigrations);
});

beforeEach(() => {
  db = new CountingDb(pglite);
});

afterEach(async () => {
  await Promise.all(logs.splice(0).map((l) => l.close()));
});

afterAll(async () => {
  await pglite?.close();
});

function log(options: Partial<EmbeddedEventLogOptions> = {}): EmbeddedEventLog {
  const l = new EmbeddedEventLog({ db, pollIntervalMs: 600_000, retentionIntervalMs: 0, onError: () => undefined, ...options });
  logs.push(l);
  return l;
}

const committed = async (group: string) =>
  (await pglite.query<{ p: number; c: string }>(`SELECT partition AS p, committed::text AS c FROM log_offsets WHERE group_id = $1 ORDER BY partition`, [group])).rows;

describe('EmbeddedEventLog: the send path without a query per poll, commit or append', () => {
  it('delivers what this process appended from memory: no fetch query once a consumer has caught up', async () => {
    const l = log({ partitions: 1 });
    const topic = uniqueName('t');
    const seen: number[] = [];
    await l.consume<number>({ group: uniqueName('g'), topic, handleBatch: async (rs) => void seen.push(...rs.map((r) => r.value)) });
    await waitFor(() => db.counts.fetch === 1, 5000, 'the first (empty) fetch');
    for (let n = 0; n < 50; n++) await l.append(topic, 'k', n);
    await waitFor(() => seen.length === 50, 5000, 'all 50 records');
    expect(seen).toEqual(Array.from({ length: 50 }, (_, n) => n));
    expect(db.counts.fetch).toBe(1);
  });

  it('lets an idle consumer poll without a query once a query has found the head of its partition', async () => {
    const topic = uniqueName('t');
    const before = log({ partitions: 1 });
    await before.append(topic, 'k', 0);
    await before.close();
    const l = log({ partitions: 1, pollIntervalMs: 5 });
    const seen: number[] = [];
    await l.consume<number>({ group: uniqueName('g'), topic, handleBatch: async (rs) => void seen.push(...rs.map((r) => r.value)) });
    await waitFor(() => seen.length === 1, 5000, 'the record from before');
    await new Promise((resolve) => setTimeout(resolve, 200)); // some 40 polls
    expect(db.counts.fetch).toBe(1);
    await l.append(topic, 'k', 1);
    await waitFor(() => seen.length === 2, 5000, 'the new record');
    expect(seen).toEqual([0, 1]);
    expect(db.counts.fetch).toBe(1);
  });

  it('queries for what the memory does not hold: records from before this process, and a consumer lagging past the tail', async () => {
    const topic = uniqueName('t');
    const group = uniqueName('g');
    const first = log({ partitions: 1 });
    for (let n = 0; n < 5; n++) await first.append(topic, 'k', n);
    await first.close();

    const l = log({ partitions: 1, tailRecords: 2 });
    for (let n = 5; n < 10; n++) await l.append(topic, 'k', n);
    const seen: number[] = [];
    await l.consume<number>({ group, topic, maxBatch: 3, handleBatch: async (rs) => void seen.push(...rs.map((r) => r.value)) });
    await waitFor(() => seen.length === 10, 5000, 'all 10 records');
    expect(seen).toEqual(Array.from({ length: 10 }, (_, n) => n));
    expect(db.counts.fetch).toBeGreaterThan(1);
  });

  it('commits the positions of every group and partition together on the timer, and each stopping consumer its own', async () => {
    const l = log({ partitions: 4, commitIntervalMs: 600_000 });
    const topic = uniqueName('t');
    const groups = [uniqueName('a'), uniqueName('b')];
    const seen = new Map(groups.map((g) => [g, 0]));
    const consumers = await Promise.all(groups.map((group) => l.consume({ group, topic, handleBatch: async (rs) => void seen.set(group, (seen.get(group) ?? 0) + rs.length) })));
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
    for (const key of keys) await l.append(topic, key, key);
    await waitFor(() => groups.every((g) => seen.get(g) === keys.length), 5000, 'both groups to handle every record');
    // Handled but not yet committed: a crash now would deliver these again (at least once).
    for (const g of groups) expect((await committed(g)).map((r) => r.c)).toEqual(['-1', '-1', '-1', '-1']);
    expect(db.counts.commit).toBe(0);

    await Promise.all(consumers.map((c) => c.stop()));
    const heads = [0, 1, 2, 3].map((p) => String(keys.filter((k) => partitionFor(k, 4) === p).length - 1));
    for (const g of groups) expect((await committed(g)).map((r) => r.c)).toEqual(heads);
    expect(db.counts.commit).toBeLessThanOrEqual(2);
  });

  it('with commitIntervalMs 0, commits each batch before fetching the next', async () => {
    const l = log({ partitions: 1, commitIntervalMs: 0 });
    const topic = uniqueName('t');
    const group = uniqueName('g');
    const positions: string[][] = [];
    await l.append(topic, 'k', 0);
    await l.consume({
      group,
      topic,
      maxBatch: 1,
      handleBatch: async () => void positions.push((await committed(group)).map((r) => r.c)),
    });
    await waitFor(() => positions.length === 1, 5000, 'the first batch');
    await l.append(topic, 'k', 1);
    await waitFor(() => positions.length === 2, 5000, 'the second batch');
    expect(positions).toEqual([['-1'], ['0']]);
  });

  it('writes the appends of one turn in one insert per partition, with dense offsets in call order', async () => {
    const l = log({ partitions: 1 });
    const topic = uniqueName('t');
    const results = await Promise.all(Array.from({ length: 20 }, (_, n) => l.append(topic, 'k', n)));
    expect(results.map((r) => r.offset)).toEqual(Array.from({ length: 20 }, (_, n) => String(n)));
    expect(db.counts.insert).toBe(1);
  });
});
