import { LogRecord } from '../event-log.port';
import { OffsetCommitter } from './embedded-event-log.commits';
import { EventLogTables } from './embedded-event-log.tables';
import { PartitionTail } from './embedded-event-log.tail';

/** Where an error of the embedded log happened, for the injected `onError`. */
export interface EventLogErrorContext {
  /**
   * consume: a fetch or handler of a partition loop failed (the batch is retried); commit: writing
   * handled positions failed (they are written with the next flush; until then a restart redelivers).
   */
  operation: 'consume' | 'commit' | 'callback' | 'retention';
  group?: string;
  topic?: string;
  partition?: number;
  /** First offset of the batch that failed (operation `consume`). */
  offset?: string;
}

export type EventLogErrorHandler = (error: unknown, context: EventLogErrorContext) => void;

/**
 * A wake-up flag with a timed wait. `notify` before `wait` is not lost: the next `wait` returns at
 * once, so an append that lands while a consumer is fetching still wakes it.
 */
export class Signal {
  private pending = false;
  private waiter: (() => void) | null = null;

  notify(): void {
    this.pending = true;
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  reset(): void {
    this.pending = false;
  }

  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const done = () => {
        clearTimeout(timer);
        if (this.waiter === done) this.waiter = null;
        this.pending = false;
        resolve();
      };
      timer = setTimeout(done, ms);
      timer.unref();
      this.waiter = done;
    });
  }
}

export interface PartitionLoopSettings<T> {
  group: string;
  topic: string;
  partition: number;
  fromBeginning: boolean;
  maxBatch: number;
  pollIntervalMs: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  handleBatch(records: LogRecord<T>[]): Promise<void>;
  onError: EventLogErrorHandler;
  /** The partition's newest records in memory: a caught-up consumer fetches without a query. */
  tail: PartitionTail;
  /** A query returned the partition's last records (fewer than asked): its head is `next`. */
  headSeen(next: bigint): void;
  /** Where handled positions go; written on its timer, at stop, or (commitEachBatch) after every batch. */
  commits: OffsetCommitter;
  commitEachBatch: boolean;
}

/**
 * Consumes one partition for one group: fetch after the handled position (from the partition's
 * in-memory tail when it reaches back that far, else by a query), hand the batch over, and once
 * the handler resolves move the position past it and mark it for commit (OffsetCommitter: written
 * in one statement with the other partitions' marks, and always when the loop stops). A failed
 * batch is fetched again from the handled position after a back-off (doubling up to
 * `maxBackoffMs`), so nothing behind it runs first and nothing is skipped. Appends in this process
 * wake it through `dataArrived`; polling every `pollIntervalMs` is the fallback.
 */
export class PartitionLoop<T> {
  private stopping = false;
  private readonly data = new Signal();
  private readonly stopSignal = new Signal();
  readonly done: Promise<void>;

  constructor(
    private readonly tables: EventLogTables,
    private readonly s: PartitionLoopSettings<T>,
  ) {
    this.done = this.run();
  }

  get partition(): number {
    return this.s.partition;
  }

  dataArrived(): void {
    this.data.notify();
  }

  /** Lets the batch in flight finish (and commit), then ends the loop. */
  stop(): Promise<void> {
    this.stopping = true;
    this.data.notify();
    this.stopSignal.notify();
    return this.done;
  }

  private async run(): Promise<void> {
    const { group, topic, partition } = this.s;
    let handled: bigint | null = null;
    let backoff = this.s.initialBackoffMs;
    while (!this.stopping) {
      this.data.reset();
      let firstOffset: string | undefined;
      try {
        if (handled === null) handled = await this.tables.startPosition(group, topic, partition, this.s.fromBeginning);
        let records: LogRecord<T>[] | null = this.s.tail.read<T>(topic, partition, handled, this.s.maxBatch);
        if (records === null) {
          records = await this.tables.fetch<T>(topic, partition, handled, this.s.maxBatch);
          if (records.length < this.s.maxBatch) this.s.headSeen(records.length > 0 ? BigInt(records[records.length - 1].offset) + 1n : handled + 1n);
        }
        if (records.length === 0) {
          await this.data.wait(this.s.pollIntervalMs);
          continue;
        }
        firstOffset = records[0].offset;
        await this.s.handleBatch(records);
        handled = BigInt(records[records.length - 1].offset);
        this.s.commits.mark(group, topic, partition, handled);
        if (this.s.commitEachBatch) await this.s.commits.flush();
        backoff = this.s.initialBackoffMs;
      } catch (error) {
        this.s.onError(error, { operation: 'consume', group, topic, partition, offset: firstOffset });
        // Only stop() cuts the back-off short: new appends must not turn a failing handler into a hot loop.
        await this.stopSignal.wait(backoff);
        backoff = Math.min(backoff * 2, this.s.maxBackoffMs);
      }
    }
    // The next owner starts from the committed position: write what this loop handled before handing over.
    try {
      await this.s.commits.flush();
    } catch (error) {
      this.s.onError(error, { operation: 'commit', group, topic, partition });
    }
  }
}
