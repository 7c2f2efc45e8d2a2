import { LogRecord } from '../event-log.port';
import { Migration } from '../sql/migrations';
import { SqlDb } from '../sql.port';

/**
 * Schema of the embedded event log. `log_records` holds every partition's records with dense
 * offsets from 0; `log_offsets` holds, per consumer group, the last offset it has handled in each
 * partition (-1 before the first record), so a restarted group resumes right after it.
 */
export const eventLogMigrations: Migration[] = [
  {
    id: 'ports/event-log/001_log',
    sql: `
CREATE TABLE IF NOT EXISTS log_records (
  topic text NOT NULL,
  partition integer NOT NULL,
  "offset" bigint NOT NULL,
  key text NOT NULL,
  value jsonb NOT NULL,
  headers jsonb NOT NULL,
  ts bigint NOT NULL,
  PRIMARY KEY (topic, partition, "offset")
);
CREATE TABLE IF NOT EXISTS log_offsets (
  group_id text NOT NULL,
  topic text NOT NULL,
  partition integer NOT NULL,
  committed bigint NOT NULL,
  PRIMARY KEY (group_id, topic, partition)
);
`,
  },
];

/** A record on its way into the log; `value` is already serialized JSON. */
export interface NewRecord {
  key: string;
  valueJson: string;
  headers: Record<string, string>;
  timestamp: number;
}

interface RecordRow {
  offset: string;
  key: string;
  value: unknown;
  headers: Record<string, string> | null;
  ts: string;
}

/** A group's position in a partition: it has handled every record up to `offset`. */
export interface CommitRow {
  group: string;
  topic: string;
  partition: number;
  offset: bigint;
}

/** Rows per INSERT statement: one statement is one atomic commit for a run of queued appends. */
export const MAX_ROWS_PER_INSERT = 500;

/**
 * SQL access of the embedded log. Offsets travel as bigint in code and as text on the wire, so
 * the same statements behave alike on PGlite and node-postgres (which differ in how they parse
 * int8).
 */
export class EventLogTables {
  constructor(private readonly db: SqlDb) {}

  /** The next offset to assign in a partition (0 for an empty one). */
  async nextOffset(topic: string, partition: number): Promise<bigint> {
    const r = await this.db.query<{ head: string | null }>(
      `SELECT MAX("offset")::text AS head FROM log_records WHERE topic = $1 AND partition = $2`,
      [topic, partition],
    );
    const head = r.rows[0]?.head;
    return head === null || head === undefined ? 0n : BigInt(head) + 1n;
  }

  /**
   * Inserts `records` at offsets `first`, `first + 1`, ... in one statement. Rejects with a unique
   * violation when another writer took one of those offsets.
   */
  async insert(topic: string, partition: number, first: bigint, records: readonly NewRecord[]): Promise<void> {
    const params: unknown[] = [topic, partition];
    const rows = records.map((rec, i) => {
      const base = params.length;
      params.push((first + BigInt(i)).toString(), rec.key, rec.valueJson, JSON.stringify(rec.headers), String(rec.timestamp));
      return `($1, $2, $${base + 1}::bigint, $${base + 2}, $${base + 3}::text::jsonb, $${base + 4}::text::jsonb, $${base + 5}::bigint)`;
    });
    await this.db.query(
      `INSERT INTO log_records (topic, partition, "offset", key, value, headers, ts) VALUES ${rows.join(', ')}`,
      params,
    );
  }

  /** Records with offset > `after`, ascending, at most `limit`. ORDER BY names the bigint column, not its text alias. */
  async fetch<T>(topic: string, partition: number, after: bigint, limit: number): Promise<LogRecord<T>[]> {
    const r = await this.db.query<RecordRow>(
      `SELECT "offset"::text AS "offset", key, value, headers, ts::text AS ts FROM log_records
       WHERE topic = $1 AND partition = $2 AND "offset" > $3::bigint ORDER BY log_records."offset" LIMIT $4`,
      [topic, partition, after.toString(), limit],
    );
    return r.rows.map((row) => ({
      topic,
      partition,
      offset: row.offset,
      key: row.key,
      value: row.value as T,
      headers: row.headers ?? {},
      timestamp: Number(row.ts),
    }));
  }

  /**
   * Where a group resumes in a partition: its committed offset. A group seen for the first time
   * records its start position right away (-1 for the beginning, the current head otherwise), so
   * records appended before its first commit are neither skipped on restart nor trimmed under it.
   */
  async startPosition(group: string, topic: string, partition: number, fromBeginning: boolean): Promise<bigint> {
    const existing = await this.committed(group, topic, partition);
    if (existing !== null) return existing;
    const start = fromBeginning ? -1n : (await this.nextOffset(topic, partition)) - 1n;
    await this.db.query(
      `INSERT INTO log_offsets (group_id, topic, partition, committed) VALUES ($1, $2, $3, $4::bigint)
       ON CONFLICT (group_id, topic, partition) DO NOTHING`,
      [group, topic, partition, start.toString()],
    );
    return (await this.committed(group, topic, partition)) ?? start;
  }

  async committed(group: string, topic: string, partition: number): Promise<bigint | null> {
    const r = await this.db.query<{ committed: string }>(
      `SELECT committed::text AS committed FROM log_offsets WHERE group_id = $1 AND topic = $2 AND partition = $3`,
      [group, topic, partition],
    );
    const row = r.rows[0];
    return row ? BigInt(row.committed) : null;
  }

  /**
   * Records, in one statement, that each row's group has handled everything up to its offset in
   * that partition. A commit never moves backwards.
   */
  async commit(rows: readonly CommitRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.query(
      `INSERT INTO log_offsets (group_id, topic, partition, committed)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[])
       ON CONFLICT (group_id, topic, partition) DO UPDATE SET committed = EXCLUDED.committed
       WHERE log_offsets.committed < EXCLUDED.committed`,
      [rows.map((r) => r.group), rows.map((r) => r.topic), rows.map((r) => r.partition), rows.map((r) => r.offset.toString())],
    );
  }

  /**
   * Deletes, in every partition that all groups of its topic have started on, the records every
   * group has handled, always keeping the newest `retainLast` (at least the head, so the next
   * offset survives a restart). Topics no group reads are left alone. Returns the rows deleted.
   */
  async trim(retainLast: number): Promise<number> {
    const r = await this.db.query(
      `DELETE FROM log_records r USING (
         SELECT b.topic, b.partition, LEAST(b.min_committed, h.head - $1::bigint) AS cutoff
         FROM (SELECT topic, partition, MIN(committed) AS min_committed, COUNT(*) AS groups
               FROM log_offsets GROUP BY topic, partition) b
         JOIN (SELECT topic, COUNT(DISTINCT group_id) AS groups FROM log_offsets GROUP BY topic) g
           ON g.topic = b.topic AND g.groups = b.groups
         CROSS JOIN LATERAL (SELECT MAX(x."offset") AS head FROM log_records x
                             WHERE x.topic = b.topic AND x.partition = b.partition) h
       ) c
       WHERE r.topic = c.topic AND r.partition = c.partition AND r."offset" <= c.cutoff`,
      [String(retainLast)],
    );
    return r.rowCount;
  }
}
