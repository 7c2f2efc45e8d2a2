import { LogRecord } from '../event-log.port';
import { NewRecord } from './embedded-event-log.tables';

/** How much of each partition's newest records the log keeps in memory. */
export interface TailLimits {
  /** Records kept per partition (0: no tail, every fetch is a query). */
  records: number;
  /** Bytes of serialized values and keys kept per partition. */
  bytes: number;
}

interface Entry {
  offset: bigint;
  record: NewRecord;
  size: number;
}

/**
 * The newest committed records of one partition, as this process appended them. The embedded log
 * is the only writer of its tables (one EmbeddedEventLog per database), so once the tail has seen
 * an append, every record from its first offset up to its head is in it: a consumer at or past
 * that point reads from memory instead of querying (the query stays for a consumer behind it,
 * e.g. after a restart or when it lags beyond the limits). Records enter only after their INSERT
 * committed, in offset order; each read hands out fresh copies (values parsed from their JSON, as
 * a query would), so consumers cannot see each other's changes.
 */
export class PartitionTail {
  private entries: Entry[] = [];
  /** Index of the oldest kept entry in `entries` (evicted ones before it are dropped in chunks). */
  private start = 0;
  /** Offset of the oldest record the tail vouches for; null until the first append. */
  private first: bigint | null = null;
  /** Offset after the newest record. */
  private next: bigint | null = null;
  private bytes = 0;

  constructor(private readonly limits: TailLimits) {}

  /** Records committed at offsets `first`, `first + 1`, …; a gap (someone else wrote) starts the tail over at `first`. */
  push(first: bigint, records: readonly NewRecord[]): void {
    if (this.limits.records <= 0 || records.length === 0) return;
    if (this.next !== first) {
      this.entries = [];
      this.start = 0;
      this.bytes = 0;
      this.first = first;
    }
    records.forEach((record, i) => {
      const size = record.valueJson.length + record.key.length + 64;
      this.entries.push({ offset: first + BigInt(i), record, size });
      this.bytes += size;
    });
    this.next = first + BigInt(records.length);
    this.evict();
  }

  /**
   * A query found the partition's head at `next` while no insert of it was running: from then on
   * the tail vouches for the (empty) range from there, so an idle consumer waits without querying.
   * Only before the first append; afterwards the appends themselves keep the head.
   */
  anchor(next: bigint): void {
    if (this.limits.records <= 0 || this.first !== null) return;
    this.first = next;
    this.next = next;
  }

  /**
   * Up to `limit` records after offset `after`, ascending; null when the tail cannot answer (nothing
   * appended since start, or `after` is older than what it keeps): then the caller queries.
   */
  read<T>(topic: string, partition: number, after: bigint, limit: number): LogRecord<T>[] | null {
    if (this.first === null || this.next === null || after + 1n < this.first) return null;
    if (after + 1n >= this.next) return [];
    const from = this.start + Number(after + 1n - this.first);
    return this.entries.slice(from, from + limit).map(({ offset, record }) => ({
      topic,
      partition,
      offset: offset.toString(),
      key: record.key,
      value: JSON.parse(record.valueJson) as T,
      headers: { ...record.headers },
      timestamp: record.timestamp,
    }));
  }

  /** Records currently kept (for tests and metrics). */
  get size(): number {
    return this.entries.length - this.start;
  }

  private evict(): void {
    while (this.size > this.limits.records || (this.bytes > this.limits.bytes && this.size > 0)) {
      this.bytes -= this.entries[this.start].size;
      this.start++;
      this.first = (this.first as bigint) + 1n;
    }
    if (this.start > 1024 && this.start * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
  }
}
