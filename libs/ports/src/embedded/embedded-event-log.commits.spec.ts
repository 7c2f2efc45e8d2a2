import { OffsetCommitter } from './embedded-event-log.commits';
import { CommitRow, EventLogTables } from './embedded-event-log.tables';

/** The tables' commit, recorded; `failNext` makes the next write fail. */
class RecordingTables {
  writes: CommitRow[][] = [];
  failNext = false;
  release: (() => void) | null = null;
  hold = false;

  async commit(rows: readonly CommitRow[]): Promise<void> {
    if (this.hold) await new Promise<void>((resolve) => (this.release = resolve));
    if (this.failNext) {
      this.failNext = false;
      throw new Error('database down');
    }
    this.writes.push([...rows]);
  }
}

const committer = (tables: RecordingTables, intervalMs = 0, errors: unknown[] = []) =>
  new OffsetCommitter(tables as unknown as EventLogTables, intervalMs, (e) => errors.push(e));

describe('OffsetCommitter', () => {
  it('writes every partition and group marked since the last write in one statement, the highest mark of each', async () => {
    const tables = new RecordingTables();
    const c = committer(tables);
    c.mark('g1', 't', 0, 5n);
    c.mark('g1', 't', 0, 9n);
    c.mark('g1', 't', 0, 7n); // lower than what is marked: ignored
    c.mark('g1', 't', 1, 2n);
    c.mark('g2', 't', 0, 1n);
    await c.flush();
    expect(tables.writes).toEqual([[
      { group: 'g1', topic: 't', partition: 0, offset: 9n },
      { group: 'g1', topic: 't', partition: 1, offset: 2n },
      { group: 'g2', topic: 't', partition: 0, offset: 1n },
    ]]);
    await c.flush();
    expect(tables.writes).toHaveLength(1); // nothing new: no statement
  });

  it('keeps the marks of a failed write for the next one', async () => {
    const tables = new RecordingTables();
    const c = committer(tables);
    c.mark('g', 't', 0, 3n);
    tables.failNext = true;
    await expect(c.flush()).rejects.toThrow('database down');
    c.mark('g', 't', 1, 4n);
    await c.flush();
    expect(tables.writes).toEqual([[{ group: 'g', topic: 't', partition: 0, offset: 3n }, { group: 'g', topic: 't', partition: 1, offset: 4n }]]);
  });

  it('writes one statement at a time, and a flush waits for the marks made before it', async () => {
    const tables = new RecordingTables();
    const c = committer(tables);
    tables.hold = true;
    c.mark('g', 't', 0, 1n);
    const first = c.flush();
    await new Promise((resolve) => setImmediate(resolve));
    c.mark('g', 't', 0, 2n);
    const second = c.flush();
    tables.hold = false;
    tables.release?.();
    await Promise.all([first, second]);
    expect(tables.writes.map((rows) => rows.map((r) => r.offset))).toEqual([[1n], [2n]]);
  });

  it('writes on its timer, reporting failures, and stops', async () => {
    const tables = new RecordingTables();
    const errors: unknown[] = [];
    const c = committer(tables, 10, errors);
    try {
      tables.failNext = true;
      c.mark('g', 't', 0, 1n);
      const deadline = Date.now() + 5000;
      while (tables.writes.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(errors).toHaveLength(1);
      expect(tables.writes).toEqual([[{ group: 'g', topic: 't', partition: 0, offset: 1n }]]);
    } finally {
      c.stop();
    }
    c.mark('g', 't', 0, 2n);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(tables.writes).toHaveLength(1);
  });
});
