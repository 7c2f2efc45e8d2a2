import { isDomainError } from '@parley/domain';
import { describeEventLogContract, uniqueName, waitFor } from '../contract';
import { LogRecord } from '../event-log.port';
import { runMigrations } from '../sql/migrations';
import { EmbeddedEventLog, EmbeddedEventLogOptions, EventLogErrorContext, eventLogMigrations, partitionFor } from './embedded-event-log.adapter';
import { PgliteSqlDb } from './pglite-sql.adapter';

let db: PgliteSqlDb;

beforeAll(async () => {
  db = await PgliteSqlDb.open(undefined);
  await runMigrations(db, eventLogMigrations);
});

afterAll(async () => {
  await db?.close();
});

/** A poll interval no test waits for: deliveries must come from in-process wake-ups. */
const NO_POLLING = 600_000;

/** Errors the logs report; handlers fail on purpose in several tests. */
const reported: { error: unknown; context: EventLogErrorContext }[] = [];

function makeLog(options: Partial<EmbeddedEventLogOptions> = {}): EmbeddedEventLog {
  return new EmbeddedEventLog({
    db,
    pollIntervalMs: NO_POLLING,
    retentionIntervalMs: 0,
    onError: (error, context) => reported.push({ error, context }),
    ...options,
  });
}

describeEventLogContract('embedded (PGlite)', async () => {
  const log = makeLog({ partitions: 4 });
  return { log, cleanup: () => log.close() };
});

describe('partitionFor', () => {
  it('maps a key to the same partition every time, within range', () => {
    for (const key of ['', 'conv-1', 'conv-2', '€ünïcode', 'x'.repeat(1000)]) {
      const p = partitionFor(key, 16);
      expect(p).toBe(partitionFor(key, 16));
      expect(Number.isInteger(p) && p >= 0 && p < 16).toBe(true);
    }
  });

  it('is FNV-1a over UTF-8, so partitions stay where existing data put them', () => {
    // FNV-1a 32 of "" is 0x811c9dc5 and of "a" is 0xe40c292c (published test vectors).
    expect(partitionFor('', 1_000_000_007)).toBe(0x811c9dc5 % 1_000_000_007);
    expect(partitionFor('a', 1_000_000_007)).toBe(0xe40c292c % 1_000_000_007);
  });

  it('spreads keys over all partitions', () => {
    const used = new Set(Array.from({ length: 200 }, (_, i) => partitionFor(`conversation-${i}`, 16)));
    expect(used.size).toBe(16);
  });

  it('rejects a partition count that is not a positive integer', () => {
    expect(() => partitionFor('k', 0)).toThrow(/partitions/);
    expect(() => partitionFor('k', 1.5)).toThrow(/partitions/);
  });
});

describe('EmbeddedEventLog', () => {
  const logs: EmbeddedEventLog[] = [];
  const log = (options: Partial<EmbeddedEventLogOptions> = {}) => {
    const l = makeLog(options);
    logs.push(l);
    return l;
  };

  afterEach(async () => {
    await Promise.all(logs.splice(0).map((l) => l.close()));
  });

  it('assigns dense offsets from 0 per partition, also to concurrent appends', async () => {
    const l = log({ partitions: 3 });
    const topic = uniqueName('t');
    const results = await Promise.all(Array.from({ length: 90 }, (_, i) => l.append(topic, `k${i % 9}`, { i })));
    for (let p = 0; p < 3; p++) {
      const offsets = results.filter((r) => r.partition === p).map((r) => Number(r.offset));
      expect(offsets.sort((a, b) => a - b)).toEqual(offsets.map((_, i) => i));
    }
  });

  it('continues the offsets of a partition after a restart', async () => {
    const topic = uniqueName('t');
    const first = log({ partitions: 1 });
    await first.append(topic, 'k', 1);
    await first.append(topic, 'k', 2);
    await first.close();
    const second = log({ partitions: 1 });
    expect(await second.append(topic, 'k', 3)).toEqual({ partition: 0, offset: '2' });
  });

  it('rejects appends beyond the pending bound with UNAVAILABLE and settles the accepted ones', async () => {
    const l = log({ partitions: 1, maxPendingAppends: 5 });
    const topic = uniqueName('t');
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => l.append(topic, 'k', i)));
    const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
    expect(rejected).toHaveLength(3);
    for (const r of rejected) expect(isDomainError(r.reason) && r.reason.code === 'UNAVAILABLE').toBe(true);
    expect((await l.append(topic, 'k', 'after the burst')).offset).toBe('5');
  });

  it('rejects bad input with VALIDATION_FAILED', async () => {
    const l = log();
    const code = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (isDomainError(e) ? e.code : String(e)));
    expect(await code(l.append('bad topic!', 'k', 1))).toBe('VALIDATION_FAILED');
    expect(await code(l.append(uniqueName('t'), 'k', undefined))).toBe('VALIDATION_FAILED');
    expect(await code(l.append(uniqueName('t'), 'k', 1, { h: 42 as unknown as string }))).toBe('VALIDATION_FAILED');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(await code(l.append(uniqueName('t'), 'k', circular))).toBe('VALIDATION_FAILED');
    expect(await code(l.consume({ group: '', topic: uniqueName('t'), handleBatch: async () => undefined }))).toBe('VALIDATION_FAILED');
    expect(await code(l.consume({ group: 'g', topic: uniqueName('t'), maxBatch: 0, handleBatch: async () => undefined }))).toBe('VALIDATION_FAILED');
    expect(() => makeLog({ partitions: 0 })).toThrow(/at least 1/);
  });

  it('starts a group without fromBeginning at the end of the log, and remembers that position', async () => {
    const l = log({ partitions: 1 });
    const topic = uniqueName('t');
    const group = uniqueName('g');
    await l.append(topic, 'k', 'old');
    const seen: unknown[] = [];
    const c = await l.consume({ group, topic, fromBeginning: false, handleBatch: async (rs) => void seen.push(...rs.map((r) => r.value)) });
    await waitFor(async () => (await db.query(`SELECT 1 FROM log_offsets WHERE group_id = $1`, [group])).rows.length > 0, 5000, 'the start position');
    await c.stop();
    await l.append(topic, 'k', 'new');
    await l.consume({ group, topic, fromBeginning: false, handleBatch: async (rs) => void seen.push(...rs.map((r) => r.value)) });
    await waitFor(() => seen.length > 0, 5000, 'the new record');
    expect(seen).toEqual(['new']);
  });

  it('reports handler failures to onError and waits out the back-off even when records arrive', async () => {
    const errors: EventLogErrorContext[] = [];
    const l = log({ partitions: 1, initialBackoffMs: NO_POLLING, maxBackoffMs: NO_POLLING, onError: (_e, ctx) => errors.push(ctx) });
    const topic = uniqueName('t');
    await l.append(topic, 'k', 0);
    let attempts = 0;
    const failing = await l.consume({
      group: uniqueName('g'),
      topic,
      handleBatch: async () => {
        attempts++;
        throw new Error('always failing');
      },
    });
    await waitFor(() => errors.length === 1, 5000, 'the first reported failure');
    expect(errors[0]).toMatchObject({ operation: 'consume', topic, partition: 0, offset: '0' });

    // A healthy group on the same partition sees these appends; the failing one must stay in its back-off.
    const healthy: unknown[] = [];
    await l.consume({ group: uniqueName('g'), topic, handleBatch: async (rs) => void healthy.push(...rs.map((r) => r.value)) });
    for (let i = 1; i <= 5; i++) await l.append(topic, 'k', i);
    await waitFor(() => healthy.length === 6, 5000, 'the healthy group to see every record');
    expect(attempts).toBe(1);

    // stop() cuts the (ten-minute) back-off short.
    await failing.stop();
    expect(errors).toHaveLength(1);
  });

  it('lets stop() finish the batch in flight and commit it', async () => {
    const l = log({ partitions: 1 });
    const topic = uniqueName('t');
    const group = uniqueName('g');
    await l.append(topic, 'k', 'slow');
    let release: () => void = () => undefined;
    let started = false;
    let finished = false;
    const c = await l.consume({
      group,
      topic,
      handleBatch: async () => {
        started = true;
        await new Promise<void>((resolve) => (release = resolve));
        finished = true;
      },
    });
    await waitFor(() => started, 5000, 'the handler to start');
    const stopping = c.stop();
    release();
    await stopping;
    expect(finished).toBe(true);
    const committed = await db.query<{ c: string }>(`SELECT committed::text AS c FROM log_offsets WHERE group_id = $1`, [group]);
    expect(committed.rows).toEqual([{ c: '0' }]);
  });

  it('revokes partitions only after their in-flight batch is done, and calls back with what changed', async () => {
    const l = log({ partitions: 2 });
    const topic = uniqueName('t');
    const group = uniqueName('g');
    const events: string[] = [];
    let release: () => void = () => undefined;
    const keyOn1 = Array.from({ length: 50 }, (_, i) => `k${i}`).find((k) => partitionFor(k, 2) === 1) ?? 'k';
    await l.consume({
      group,
      topic,
      onAssigned: (ps) => events.push(`A assigned ${ps.join(',')}`),
      onRevoked: (ps) => events.push(`A revoked ${ps.join(',')}`),
      handleBatch: async (records: LogRecord[]) => {
        events.push(`A handling ${records[0].partition}`);
        await new Promise<void>((resolve) => (release = resolve));
        events.push(`A done ${records[0].partition}`);
      },
    });
    await l.append(topic, keyOn1, 'x');
    await waitFor(() => events.includes('A handling 1'), 5000, 'A to start on partition 1');
    const joining = l.consume({
      group,
      topic,
      onAssigned: (ps) => events.push(`B assigned ${ps.join(',')}`),
      handleBatch: async () => undefined,
    });
    // Room for a wrong implementation to hand partition 1 over while A is still on it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(events).not.toContain('B assigned 1');
    release();
    await joining;
    expect(events).toEqual(['A assigned 0,1', 'A handling 1', 'A done 1', 'A revoked 1', 'B assigned 1']);
  });

  it('keeps one group when its last member leaves while another joins', async () => {
    const l = log({ partitions: 2 });
    const topic = uniqueName('t');
    const group = uniqueName('g');
    const owned: Record<'A' | 'B' | 'C', Set<number>> = { A: new Set(), B: new Set(), C: new Set() };
    const member = (who: 'A' | 'B' | 'C') => ({
      group,
      topic,
      onAssigned: (ps: number[]) => ps.forEach((p) => owned[who].add(p)),
      onRevoked: (ps: number[]) => ps.forEach((p) => owned[who].delete(p)),
      handleBatch: async () => undefined,
    });
    const a = await l.consume(member('A'));
    const leaving = a.stop();
    const joining = l.consume(member('B'));
    await Promise.all([leaving, joining]);
    await l.consume(member('C'));
    expect(owned.A.size).toBe(0);
    expect([...owned.B, ...owned.C].sort()).toEqual([0, 1]);
  });

  it('trims what every group has handled, keeping the newest records', async () => {
    const l = log({ partitions: 1, retainLast: 3 });
    const topic = uniqueName('t');
    for (let i = 0; i < 10; i++) await l.append(topic, 'k', i);
    const remaining = async () =>
      (await db.query<{ o: string }>(`SELECT "offset"::text AS o FROM log_records WHERE topic = $1 ORDER BY "offset"`, [topic])).rows.map((r) => Number(r.o));

    await l.trim();
    expect(await remaining()).toHaveLength(10);

    const fast: number[] = [];
    const slow: number[] = [];
    const f = await l.consume<number>({ group: uniqueName('fast'), topic, handleBatch: async (rs) => void fast.push(...rs.map((r) => r.value)) });
    const slowGroup = uniqueName('slow');
    const s = await l.consume<number>({
      group: slowGroup,
      topic,
      maxBatch: 4,
      handleBatch: async (rs) => {
        if (slow.length >= 4) throw new Error('slow group stuck after 4 records');
        slow.push(...rs.map((r) => r.value));
      },
    });
    await waitFor(() => fast.length === 10 && slow.length === 4, 5000, 'both groups to make progress');
    await f.stop();
    await s.stop();

    await l.trim();
    expect(await remaining()).toEqual([4, 5, 6, 7, 8, 9]);

    const caughtUp: number[] = [];
    const resumed = await l.consume<number>({ group: slowGroup, topic, handleBatch: async (rs) => void caughtUp.push(...rs.map((r) => r.value)) });
    await waitFor(() => caughtUp.includes(9), 5000, 'the slow group to catch up');
    await resumed.stop();
    await l.trim();
    expect(await remaining()).toEqual([7, 8, 9]);
  });

  it('is unhealthy and refuses work once closed', async () => {
    const l = log();
    await l.close();
    expect(await l.healthy()).toBe(false);
    await expect(l.append(uniqueName('t'), 'k', 1)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(l.consume({ group: 'g', topic: uniqueName('t'), handleBatch: async () => undefined })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('a record the database refuses (issue 8)', () => {
  it('fails alone: the records queued with it in the same insert are stored, in order', async () => {
    const log = makeLog({ partitions: 1 });
    const topic = uniqueName('refused');
    try {
      // Postgres jsonb refuses \u0000 in text; the three appends queue together behind the first insert.
      const results = await Promise.allSettled([
        log.append(topic, 'k', { n: 1 }),
        log.append(topic, 'k', { n: 2 }),
        log.append(topic, 'k', { bad: 'nul \u0000 inside' }),
        log.append(topic, 'k', { n: 3 }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      const offsets = results.flatMap((r) => (r.status === 'fulfilled' ? [BigInt(r.value.offset)] : []));
      expect([...offsets].sort((a, b) => (a < b ? -1 : 1))).toEqual(offsets);
    } finally {
      await log.close();
    }
  });
});
