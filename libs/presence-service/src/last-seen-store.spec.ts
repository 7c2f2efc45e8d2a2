import { PgliteSqlDb, runMigrations } from '@parley/ports';
import { CountingRelationalDb } from './__tests__/counting-relational-db';
import { LastSeenStore, MAX_ROWS_PER_STATEMENT } from './last-seen-store';
import { presenceMigrations } from './presence.migrations';

let db: PgliteSqlDb;
let counting: CountingRelationalDb;
let store: LastSeenStore;

beforeAll(async () => {
  db = await PgliteSqlDb.open(undefined);
  await runMigrations(db, presenceMigrations);
});
afterAll(() => db.close());
beforeEach(async () => {
  await db.query('DELETE FROM last_seen');
  counting = new CountingRelationalDb(db.relational());
  store = new LastSeenStore(counting);
});

describe('LastSeenStore', () => {
  it('writes a burst of users in one statement and answers every caller', async () => {
    const at = new Date('2026-11-25T10:00:00.000Z');
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.record(`u${i}`, at)));
    expect(counting.statements).toEqual(['INSERT']);
    const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM last_seen');
    expect(r.rows[0].n).toBe(50);
  });

  it('keeps the latest time for a user, within a batch and across batches', async () => {
    const early = new Date('2026-11-25T10:00:00.000Z');
    const late = new Date('2026-11-25T11:00:00.000Z');
    await Promise.all([store.record('u1', late), store.record('u1', early)]);
    await store.record('u1', early);
    await expect(store.get('u1')).resolves.toBe(late.toISOString());
  });

  it('reads many users in one statement, null for the never seen, and sees writes of the same turn', async () => {
    const at = new Date('2026-11-25T12:00:00.000Z');
    const [, a, b] = await Promise.all([store.record('u1', at), store.get('u1'), store.get('nobody')]);
    expect([a, b]).toEqual([at.toISOString(), null]);
    expect(counting.statements).toEqual(['INSERT', 'SELECT']);
  });

  it('passes user ids and times as parameters, never as SQL, to the millisecond', async () => {
    const hostile = `u1', now()); DELETE FROM last_seen; --`;
    const at = new Date('2026-11-25T12:34:56.789Z');
    await Promise.all([store.record('u-other', at), store.record(hostile, at)]);
    await expect(Promise.all([store.get(hostile), store.get('u-other')])).resolves.toEqual([at.toISOString(), at.toISOString()]);
    const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM last_seen');
    expect(r.rows[0].n).toBe(2);
  });

  it('splits a large burst into bounded statements', async () => {
    const at = new Date('2026-11-25T10:00:00.000Z');
    const n = MAX_ROWS_PER_STATEMENT + 10;
    await Promise.all(Array.from({ length: n }, (_, i) => store.record(`u${i}`, at)));
    expect(counting.statements).toEqual(['INSERT', 'INSERT']);
  });

  it('fails the callers of a failed statement, and only them', async () => {
    counting.failNext = new Error('database down');
    await expect(store.record('u1', new Date())).rejects.toThrow('database down');
    await expect(store.record('u2', new Date())).resolves.toBeUndefined();
  });
});
