import { Logger } from '@parley/observability';
import { Consumer, ConsumerOptions, LogRecord } from '@parley/ports';
import { Consumer as KafkaConsumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage, RetryOptions } from 'kafkajs';
import { messageOf, withTimeout } from '../shared/adapter-errors';
import { mapKafkaError } from './kafka-errors';

export interface GroupConsumerSettings {
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Longest a fetch waits for data at the broker (also how late a resumed partition is fetched). */
  maxWaitMs: number;
  /** First back-off after a failed batch; it doubles per failure of that partition, up to maxBackoffMs. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Bound on connecting and joining when the consumer starts. */
  startTimeoutMs: number;
  retry: RetryOptions;
  defaultMaxBatch: number;
  /** Partitions handled at once, each in its own order (kafkajs's partitionsConsumedConcurrently). */
  concurrentPartitions: number;
}

/**
 * One consume() call: a kafkajs consumer in the caller's group, subscribed to one topic.
 *
 * Commit after work: offsets are neither auto-committed nor auto-resolved. A batch from kafkajs
 * is cut into chunks of maxBatch records; for each chunk, handleBatch runs, then the chunk's last
 * offset + 1 is committed (OffsetCommit, fenced by the group generation), and only then resolved
 * locally. When handleBatch throws, nothing of that chunk is committed or resolved and the rest of
 * the batch is dropped: kafkajs fetches a partition from its resolved offset, so the next fetch
 * starts again at the failed chunk's first record, and nothing behind it is handled first. The
 * partition is paused for the back-off meanwhile (the other partitions go on).
 *
 * Ownership: kafkajs's groups use the eager protocol, so a rebalance first stops every batch of
 * the member, then rejoins. REBALANCING (the member learnt a rebalance started) revokes all owned
 * partitions; GROUP_JOIN (the new assignment) assigns them, or those that changed when a member
 * rejoins without a REBALANCING first; a crash or stop() revokes what is left. A batch of a
 * partition not currently owned is left alone (not handled, not committed).
 *
 * A record whose value is not JSON can never be handled; it is logged as an error and skipped
 * (committed past), so one bad record does not stop every conversation of its partition.
 */
export class KafkaGroupConsumer<T> implements Consumer {
  private readonly consumer: KafkaConsumer;
  private readonly owned = new Set<number>();
  private readonly backoff = new Map<number, number>();
  private readonly resumeTimers = new Set<NodeJS.Timeout>();
  private readonly maxBatch: number;
  private stopping: Promise<void> | null = null;
  /** Set when kafkajs gave up on this consumer (a crash it does not restart from). */
  failure: Error | null = null;

  constructor(
    kafka: Kafka,
    private readonly options: ConsumerOptions<T>,
    private readonly settings: GroupConsumerSettings,
    private readonly logger: Logger,
    private readonly onStopped: (consumer: KafkaGroupConsumer<T>) => void,
  ) {
    this.maxBatch = options.maxBatch ?? settings.defaultMaxBatch;
    this.consumer = kafka.consumer({
      groupId: options.group,
      sessionTimeout: settings.sessionTimeoutMs,
      heartbeatInterval: settings.heartbeatIntervalMs,
      maxWaitTimeInMs: settings.maxWaitMs,
      allowAutoTopicCreation: false,
      retry: { ...settings.retry, restartOnFailure: async () => this.stopping === null },
    });
    const { GROUP_JOIN, REBALANCING, CRASH } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, (event) => this.assignmentChanged(event.payload.memberAssignment[options.topic] ?? []));
    this.consumer.on(REBALANCING, () => this.assignmentChanged([]));
    this.consumer.on(CRASH, (event) => {
      const { error, restart } = event.payload;
      this.assignmentChanged([]);
      if (restart || this.stopping) {
        this.logger.warn('kafka consumer crashed, restarting', { group: options.group, topic: options.topic, err: error });
      } else {
        this.failure = error;
        this.logger.error('kafka consumer crashed and stopped', { group: options.group, topic: options.topic, err: error });
      }
    });
  }

  /** Connects, subscribes and joins the group; UNAVAILABLE when the brokers cannot be reached. */
  async start(): Promise<void> {
    try {
      await withTimeout(this.consumer.connect(), this.settings.startTimeoutMs, 'kafka consumer connect');
      await this.consumer.subscribe({ topic: this.options.topic, fromBeginning: this.options.fromBeginning ?? true });
      await withTimeout(
        this.consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: this.settings.concurrentPartitions,
          eachBatch: (payload) => this.eachBatch(payload),
        }),
        this.settings.startTimeoutMs,
        'kafka consumer join',
      );
    } catch (error) {
      await this.stop();
      throw mapKafkaError(error);
    }
  }

  /** Lets the batch in flight finish (and commit), leaves the group, and revokes what it owned. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    for (const timer of this.resumeTimers) clearTimeout(timer);
    this.resumeTimers.clear();
    try {
      await this.consumer.disconnect();
    } catch (error) {
      this.logger.warn('kafka consumer did not leave its group cleanly', { group: this.options.group, err: error });
    } finally {
      this.assignmentChanged([]);
      this.onStopped(this);
    }
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    if (!this.owned.has(partition)) return;
    for (let start = 0; start < batch.messages.length; start += this.maxBatch) {
      if (!payload.isRunning() || payload.isStale() || this.stopping || !this.owned.has(partition)) return;
      const chunk = batch.messages.slice(start, start + this.maxBatch);
      const records = this.decode(topic, partition, chunk);
      const last = chunk[chunk.length - 1].offset;
      try {
        if (records.length > 0) await this.options.handleBatch(records);
        await payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: (BigInt(last) + 1n).toString() }] }] });
      } catch (error) {
        this.backOff(payload, partition, chunk[0].offset, error);
        return;
      }
      payload.resolveOffset(last);
      this.backoff.delete(partition);
      if (this.options.onLag && /^\d+$/.test(String(batch.highWatermark))) {
        this.options.onLag(partition, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(last) - 1n)));
      }
      await payload.heartbeat();
    }
  }

  /** Pauses the partition for its back-off; its next fetch starts at the last resolved offset. */
  private backOff(payload: EachBatchPayload, partition: number, offset: string, error: unknown): void {
    const delay = this.backoff.get(partition) ?? this.settings.initialBackoffMs;
    this.backoff.set(partition, Math.min(delay * 2, this.settings.maxBackoffMs));
    this.logger.warn('kafka batch failed, retrying after a back-off', {
      group: this.options.group,
      topic: this.options.topic,
      partition,
      offset,
      backoffMs: delay,
      err: error instanceof Error ? error : new Error(messageOf(error)),
    });
    const resume = payload.pause();
    const timer = setTimeout(() => {
      this.resumeTimers.delete(timer);
      resume();
    }, delay);
    this.resumeTimers.add(timer);
  }

  private decode(topic: string, partition: number, messages: KafkaMessage[]): LogRecord<T>[] {
    const records: LogRecord<T>[] = [];
    for (const m of messages) {
      try {
        records.push({
          topic,
          partition,
          offset: m.offset,
          key: m.key?.toString('utf8') ?? '',
          value: JSON.parse(m.value?.toString('utf8') ?? '') as T,
          headers: decodeHeaders(m.headers),
          timestamp: Number(m.timestamp),
        });
      } catch (error) {
        this.logger.error('kafka record is not JSON, skipping it', { topic, partition, offset: m.offset, err: error });
      }
    }
    return records;
  }

  private assignmentChanged(partitions: readonly number[]): void {
    const next = new Set(partitions);
    const revoked = [...this.owned].filter((p) => !next.has(p));
    const assigned = [...next].filter((p) => !this.owned.has(p));
    revoked.forEach((p) => {
      this.owned.delete(p);
      this.backoff.delete(p);
    });
    if (revoked.length > 0) this.callback('onRevoked', revoked);
    // A consumer that is stopping takes no new partitions.
    if (this.stopping) return;
    assigned.forEach((p) => this.owned.add(p));
    if (assigned.length > 0) this.callback('onAssigned', assigned);
  }

  private callback(name: 'onAssigned' | 'onRevoked', partitions: number[]): void {
    try {
      this.options[name]?.(partitions.sort((a, b) => a - b));
    } catch (error) {
      this.logger.error(`kafka consumer ${name} callback threw`, { group: this.options.group, topic: this.options.topic, err: error });
    }
  }
}

/** Header values as strings (UTF-8); a header sent several times keeps its last value. */
export function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last === undefined) continue;
    out[name] = typeof last === 'string' ? last : last.toString('utf8');
  }
  return out;
}
