import { AppendResult } from '../event-log.port';
import { isUniqueViolation } from '../sql.port';
import { EventLogTables, MAX_ROWS_PER_INSERT, NewRecord } from './embedded-event-log.tables';
import { PartitionTail } from './embedded-event-log.tail';

const INSERT_ATTEMPTS = 3;

interface PendingAppend {
  record: NewRecord;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

export interface WriterEvents {
  /** Records were committed to the partition (wake its consumers). */
  written(): void;
  /** `count` queued appends settled, resolved or rejected. */
  settled(count: number): void;
}

/**
 * The append queue of one partition: offsets are assigned here, one commit at a time. Appends
 * queued in the same turn of the event loop, or while an insert is running, are committed
 * together in one INSERT; once committed they join the partition's in-memory tail, in offset order.
 */
export class PartitionWriter {
  private readonly queue: PendingAppend[] = [];
  /** Next offset to assign; null until read from the table (and after a failed insert). */
  private nextOffset: bigint | null = null;
  private draining: Promise<void> | null = null;

  constructor(
    private readonly tables: EventLogTables,
    readonly topic: string,
    readonly partition: number,
    readonly tail: PartitionTail,
    private readonly events: WriterEvents,
  ) {}

  append(record: NewRecord): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /**
   * A consumer's query reached the partition's head (`next`). Trusted by the tail only while no
   * insert is queued or running: then every record committed so far was seen by that query or has
   * already entered the tail (which then ignores the anchor).
   */
  headSeen(next: bigint): void {
    if (this.draining === null && this.queue.length === 0) this.tail.anchor(next);
  }

  /** Settles once every queued append has. */
  async drained(): Promise<void> {
    await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      // Let the appends made in the same turn (a batch's events, each appended on its own) join the first insert.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_ROWS_PER_INSERT);
        try {
          const first = await this.insertBatch(batch.map((p) => p.record));
          batch.forEach((p, i) => p.resolve({ partition: this.partition, offset: (first + BigInt(i)).toString() }));
          this.events.written();
        } catch (error) {
          // One record the database refuses must not fail its neighbours: a failed batch is retried
          // one record at a time, in order, so only the bad record (or all, if the store is down) fails.
          if (batch.length === 1) batch[0].reject(error);
          else await this.insertOneByOne(batch);
        } finally {
          this.events.settled(batch.length);
        }
      }
    } finally {
      this.draining = null;
    }
  }

  private async insertOneByOne(batch: PendingAppend[]): Promise<void> {
    for (const p of batch) {
      try {
        const offset = await this.insertBatch([p.record]);
        p.resolve({ partition: this.partition, offset: offset.toString() });
        this.events.written();
      } catch (error) {
        p.reject(error);
      }
    }
  }

  /** Inserts at the cached next offset; another writer on the same table forces a re-read. */
  private async insertBatch(records: NewRecord[]): Promise<bigint> {
    for (let attempt = 1; ; attempt++) {
      this.nextOffset ??= await this.tables.nextOffset(this.topic, this.partition);
      const first = this.nextOffset;
      try {
        await this.tables.insert(this.topic, this.partition, first, records);
        this.nextOffset = first + BigInt(records.length);
        this.tail.push(first, records);
        return first;
      } catch (error) {
        this.nextOffset = null;
        if (!isUniqueViolation(error) || attempt >= INSERT_ATTEMPTS) throw error;
      }
    }
  }
}
