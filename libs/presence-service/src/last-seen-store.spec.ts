import { PgliteSqlDb, runMigrations, SqlQueryable, SqlResult } from '@parley/ports';
import { LastSeenStore, MAX_ROWS_PER_STATEMENT } from './last-seen-store';
import { presenceMigrations } from './presence.migrations';

/** The real embedded database, counting the statements that reach it. */
class CountingDb implements SqlQueryable {
  statements: string[] = [];
  failNext: Error | null = null;
  constructor(private readonly inner: SqlQueryable) {}
  async query<R>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>> {
    this.statements.push(text.trim().split(/\s+/)[0]);
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = null;
      throw e;
    }
    return this.inner.query<R>(text, params);
  }
}

let db: PgliteSqlDb;
let counting: CountingDb;
let store: LastSeenStore;

beforeAll(async () => {
  db = await PgliteSqlDb.open(undefined);
  await runMigrations(db, presenceMigrations);
});
afterAll(() => db.close());
beforeEach(async () => {
  await db.query('DELETE FROM last_seen');
  counting = new CountingDb(db);
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
