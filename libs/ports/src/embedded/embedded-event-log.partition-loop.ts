import { LogRecord } from '../event-log.port';
import { EventLogTables } from './embedded-event-log.tables';

/** Where an error of the embedded log happened, for the injected `onError`. */
export interface EventLogErrorContext {
  /** consume: a fetch, handler or commit of a partition loop failed (the batch is retried). */
  operation: 'consume' | 'callback' | 'retention';
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
}

/**
 * Consumes one partition for one group: fetch after the committed offset, hand the batch over,
 * commit its last offset once the handler resolves. A failed batch (handler, fetch or commit) is
 * fetched again from the committed offset after a back-off (doubling up to `maxBackoffMs`), so
 * nothing behind it runs first and nothing is skipped. Appends in this process wake it through
 * `dataArrived`; polling every `pollIntervalMs` is the fallback.
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
    let committed: bigint | null = null;
    let backoff = this.s.initialBackoffMs;
    while (!this.stopping) {
      this.data.reset();
      let firstOffset: string | undefined;
      try {
        if (committed === null) committed = await this.tables.startPosition(group, topic, partition, this.s.fromBeginning);
        const records: LogRecord<T>[] = await this.tables.fetch<T>(topic, partition, committed, this.s.maxBatch);
        if (records.length === 0) {
          await this.data.wait(this.s.pollIntervalMs);
          continue;
        }
        firstOffset = records[0].offset;
        await this.s.handleBatch(records);
        const last: bigint = BigInt(records[records.length - 1].offset);
        await this.tables.commit(group, topic, partition, last);
        committed = last;
        backoff = this.s.initialBackoffMs;
      } catch (error) {
        this.s.onError(error, { operation: 'consume', group, topic, partition, offset: firstOffset });
        // Only stop() cuts the back-off short: new appends must not turn a failing handler into a hot loop.
        await this.stopSignal.wait(backoff);
        backoff = Math.min(backoff * 2, this.s.maxBackoffMs);
      }
    }
  }
}
