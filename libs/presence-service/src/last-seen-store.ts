import { RelationalDb } from '@parley/ports';

/** Rows per statement: a bounded statement (two array parameters of at most this many elements). */
export const MAX_ROWS_PER_STATEMENT = 500;

interface PendingWrite {
  at: Date;
  waiters: { resolve: () => void; reject: (err: unknown) => void }[];
}

interface PendingRead {
  waiters: { resolve: (v: string | null) => void; reject: (err: unknown) => void }[];
}

/**
 * last_seen in SQL, batched. Presence changes come in bursts (a gateway restart closes thousands
 * of sockets at once, and they all come back): one statement per connection would queue thousands
 * of round trips on the pool, and a bounded pool then refuses them. Here every write and read asked
 * for in one event-loop turn goes out as one statement per MAX_ROWS_PER_STATEMENT users, and each
 * caller is answered when its own statement has run (a write still lands before the caller goes on).
 * Writes to one user within a batch collapse into the latest time; the database keeps the greatest.
 *
 * Both statements are hand-written and run through Prisma Client (`$executeRaw` / `$queryRaw`,
 * parameterized tagged templates; docs/adr/0004-relational-data.md): the write is a multi-row upsert
 * keeping the GREATEST time, which Prisma's model API cannot state in one statement; the read runs on
 * connection setup and the write when a user's last socket closes, where the model API's per-query
 * CPU (3-4x a raw statement's) would count.
 */
export class LastSeenStore {
  private writes = new Map<string, PendingWrite>();
  private reads = new Map<string, PendingRead>();
  private flushScheduled = false;

  constructor(private readonly db: RelationalDb) {}

  record(userId: string, at: Date): Promise<void> {
    return new Promise((resolve, reject) => {
      const pending = this.writes.get(userId);
      if (pending) {
        if (at > pending.at) pending.at = at;
        pending.waiters.push({ resolve, reject });
      } else this.writes.set(userId, { at, waiters: [{ resolve, reject }] });
      this.scheduleFlush();
    });
  }

  /** The user's last_seen_at as an ISO string, or null when never seen. */
  get(userId: string): Promise<string | null> {
    return new Promise((resolve, reject) => {
      const pending = this.reads.get(userId);
      if (pending) pending.waiters.push({ resolve, reject });
      else this.reads.set(userId, { waiters: [{ resolve, reject }] });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      // Writes first: a read asked for in the same turn sees them.
      const writes = this.writes;
      const reads = this.reads;
      this.writes = new Map();
      this.reads = new Map();
      void this.flushWrites(writes).then(() => this.flushReads(reads));
    });
  }

  private async flushWrites(writes: Map<string, PendingWrite>): Promise<void> {
    for (const chunk of chunks([...writes], MAX_ROWS_PER_STATEMENT)) {
      // Users are unique within a chunk (keys of one map), so no row is upserted twice.
      const users = chunk.map(([userId]) => userId);
      const times = chunk.map(([, w]) => w.at.toISOString());
      try {
        await this.db.run(
          (c) => c.$executeRaw`INSERT INTO last_seen (user_id, last_seen_at) SELECT * FROM unnest(${users}::text[], ${times}::timestamptz[])
           ON CONFLICT (user_id) DO UPDATE SET last_seen_at = GREATEST(last_seen.last_seen_at, EXCLUDED.last_seen_at)`,
        );
        for (const [, w] of chunk) for (const x of w.waiters) x.resolve();
      } catch (err) {
        for (const [, w] of chunk) for (const x of w.waiters) x.reject(err);
      }
    }
  }

  private async flushReads(reads: Map<string, PendingRead>): Promise<void> {
    for (const chunk of chunks([...reads], MAX_ROWS_PER_STATEMENT)) {
      const users = chunk.map(([userId]) => userId);
      try {
        const rows = await this.db.run(
          (c) => c.$queryRaw<{ user_id: string; last_seen_at: Date }[]>`SELECT user_id, last_seen_at FROM last_seen WHERE user_id = ANY(${users}::text[])`,
        );
        const found = new Map(rows.map((row) => [row.user_id, new Date(row.last_seen_at).toISOString()]));
        for (const [userId, p] of chunk) for (const x of p.waiters) x.resolve(found.get(userId) ?? null);
      } catch (err) {
        for (const [, p] of chunk) for (const x of p.waiters) x.reject(err);
      }
    }
  }
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
