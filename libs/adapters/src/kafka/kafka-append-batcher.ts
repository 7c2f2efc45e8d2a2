import { unavailable } from '@parley/domain';
import { Logger } from '@parley/observability';
import { AppendResult } from '@parley/ports';
import { Message, PartitionerArgs, Partitioners, Producer, RecordMetadata } from 'kafkajs';
import { mapKafkaError } from './kafka-errors';

export interface AppendBatcherSettings {
  /** Appends queued or in flight, beyond which append answers UNAVAILABLE at once. */
  maxPendingAppends: number;
  /** Records per produce request. */
  maxBatchRecords: number;
  /** Bytes (keys, values, headers) per produce request; a single larger record goes alone. */
  maxBatchBytes: number;
  /** An append still queued (not yet sent) after this long is refused with UNAVAILABLE. */
  appendTimeoutMs: number;
  /** Broker-side bound on the acks=all wait of a produce request. */
  ackTimeoutMs: number;
}

interface PendingAppend {
  topic: string;
  message: Message;
  bytes: number;
  enqueuedAt: number;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/** Creates a connected idempotent producer whose partitioner reports each record's partition to `placed`. */
export type ProducerFactory = (partitioner: () => (args: PartitionerArgs) => number) => Promise<Producer>;

/**
 * Turns concurrent appends into few produce requests: one request is in flight at a time, and
 * every append that arrives meanwhile goes into the next one (group commit). With the idempotent
 * producer limited to one request in flight per broker, this is what gives throughput without
 * giving up per-key order: the records of a key keep their append order inside and across requests.
 *
 * A request that fails after kafkajs's bounded retries rejects its appends with UNAVAILABLE and
 * retires the producer: its producer id and sequence numbers go with it, so a request that did
 * land after all cannot make the broker discard the next request as a duplicate (the next
 * request comes from a fresh producer id). The caller's retry may then append a record twice;
 * consumers are at-least-once anyway and de-duplicate (client_msg_id).
 */
export class AppendBatcher {
  private readonly queue: PendingAppend[] = [];
  private pending = 0;
  private sending: Promise<void> | null = null;
  private producer: Producer | null = null;
  private connecting: Promise<Producer> | null = null;
  /** The partition kafkajs's partitioner chose for each record of the request in flight. */
  private readonly placed = new WeakMap<Message, number>();
  private closed = false;

  constructor(
    private readonly settings: AppendBatcherSettings,
    private readonly createProducer: ProducerFactory,
    private readonly logger: Logger,
  ) {}

  /** Connects a producer unless one is connected (at boot, and to recover after a failed request). */
  async start(): Promise<void> {
    await this.connectedProducer();
  }

  append(topic: string, message: Message, bytes: number): Promise<AppendResult> {
    if (this.closed) return Promise.reject(unavailable('event log is closed'));
    if (this.pending >= this.settings.maxPendingAppends) {
      return Promise.reject(unavailable(`kafka: ${this.pending} appends pending, refusing more`));
    }
    this.pending++;
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ topic, message, bytes, enqueuedAt: Date.now(), resolve, reject });
      // Started on a later tick, so `sending` is set before drain() can finish and clear it.
      this.sending ??= Promise.resolve().then(() => this.drain());
    });
  }

  /** True while a producer is connected (false after a failed request until the next one succeeds). */
  get connected(): boolean {
    return this.producer !== null;
  }

  /** Sends what is queued, then disconnects the producer. Later appends answer UNAVAILABLE. */
  async close(): Promise<void> {
    this.closed = true;
    await this.sending;
    // A connection attempt in flight settles first (its callers saw its outcome), so nothing leaks.
    await Promise.allSettled([this.connecting]);
    const producer = this.producer;
    this.producer = null;
    await producer?.disconnect();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        if (batch.length > 0) await this.send(batch);
      }
    } finally {
      this.sending = null;
    }
  }

  private takeBatch(): PendingAppend[] {
    const now = Date.now();
    const batch: PendingAppend[] = [];
    let bytes = 0;
    while (this.queue.length > 0 && batch.length < this.settings.maxBatchRecords) {
      const next = this.queue[0];
      if (now - next.enqueuedAt > this.settings.appendTimeoutMs) {
        this.queue.shift();
        this.pending--;
        next.reject(unavailable(`kafka: append waited over ${this.settings.appendTimeoutMs} ms for the broker`));
        continue;
      }
      if (batch.length > 0 && bytes + next.bytes > this.settings.maxBatchBytes) break;
      this.queue.shift();
      batch.push(next);
      bytes += next.bytes;
    }
    return batch;
  }

  private async send(batch: PendingAppend[]): Promise<void> {
    try {
      const producer = await this.connectedProducer();
      const byTopic = new Map<string, Message[]>();
      for (const p of batch) {
        const messages = byTopic.get(p.topic) ?? [];
        messages.push(p.message);
        byTopic.set(p.topic, messages);
      }
      const metadata = await producer.sendBatch({
        acks: -1,
        timeout: this.settings.ackTimeoutMs,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      const results = this.offsetsOf(batch, metadata);
      batch.forEach((p, i) => p.resolve(results[i]));
    } catch (error) {
      this.retireProducer();
      const mapped = mapKafkaError(error);
      batch.forEach((p) => p.reject(mapped));
    } finally {
      this.pending -= batch.length;
    }
  }

  /**
   * The offset of each record: a request appends each partition's records as one record batch,
   * in request order, so the k-th record of a partition sits at that partition's baseOffset + k.
   */
  private offsetsOf(batch: PendingAppend[], metadata: RecordMetadata[]): AppendResult[] {
    const base = new Map<string, bigint>();
    for (const m of metadata) {
      if (m.baseOffset === undefined) throw new Error(`kafka: no base offset for ${m.topicName}/${m.partition}`);
      base.set(`${m.topicName}\u0000${m.partition}`, BigInt(m.baseOffset));
    }
    const used = new Map<string, bigint>();
    return batch.map((p) => {
      const partition = this.placed.get(p.message);
      if (partition === undefined) throw new Error(`kafka: no partition recorded for a record of ${p.topic}`);
      const id = `${p.topic}\u0000${partition}`;
      const first = base.get(id);
      if (first === undefined) throw new Error(`kafka: no answer for ${p.topic}/${partition}`);
      const k = used.get(id) ?? 0n;
      used.set(id, k + 1n);
      return { partition, offset: (first + k).toString() };
    });
  }

  /** The connected producer; one connection attempt at a time however many callers wait for it. */
  private connectedProducer(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    if (this.closed) return Promise.reject(unavailable('event log is closed'));
    const partitioner = () => {
      const choose = Partitioners.DefaultPartitioner();
      return (args: PartitionerArgs) => {
        const partition = choose(args);
        this.placed.set(args.message, partition);
        return partition;
      };
    };
    this.connecting ??= this.createProducer(partitioner)
      .then((producer) => {
        this.producer = producer;
        return producer;
      })
      .finally(() => {
        this.connecting = null;
      });
    return this.connecting;
  }

  private retireProducer(): void {
    const producer = this.producer;
    this.producer = null;
    producer?.disconnect().catch((error: unknown) => this.logger.debug('kafka: disconnecting a retired producer failed', { err: error }));
  }
}
