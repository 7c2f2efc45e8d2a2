import { KafkaJSConnectionError, Message, PartitionerArgs, PartitionMetadata, Producer, ProducerBatch, RecordMetadata } from 'kafkajs';
import { recordingLogger } from '../testing/recording-logger';
import { AppendBatcher, AppendBatcherSettings } from './kafka-append-batcher';

const PARTITIONS = 4;
const metadata: PartitionMetadata[] = Array.from({ length: PARTITIONS }, (_, partitionId) => ({
  partitionErrorCode: 0,
  partitionId,
  leader: 0,
  replicas: [0],
  isr: [0],
}));

/**
 * A stand-in for kafkajs's idempotent producer: it places records with the partitioner it was
 * given (as kafkajs does), appends them to in-memory partitions, and can be told to fail.
 */
class FakeProducer {
  readonly requests: ProducerBatch[] = [];
  disconnected = false;
  failNext: Error | null = null;
  /** Resolves the request in flight; lets a test queue appends behind it. */
  hold: Promise<void> | null = null;

  constructor(
    private readonly log: Map<string, number>,
    private readonly choose: (args: PartitionerArgs) => number,
  ) {}

  async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    this.requests.push(batch);
    await this.hold;
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = null;
      throw error;
    }
    const counts = new Map<string, number>();
    for (const { topic, messages } of batch.topicMessages ?? []) {
      for (const message of messages) {
        const id = `${topic}/${this.choose({ topic, partitionMetadata: metadata, message })}`;
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
    }
    return [...counts].map(([id, n]) => {
      const [topicName, partition] = id.split('/');
      const baseOffset = this.log.get(id) ?? 0;
      this.log.set(id, baseOffset + n);
      return { topicName, partition: Number(partition), errorCode: 0, baseOffset: String(baseOffset) };
    });
  }

  async disconnect(): Promise<void> {
    this.disconnected = true;
  }
}

const settings: AppendBatcherSettings = { maxPendingAppends: 1000, maxBatchRecords: 4, maxBatchBytes: 1_000_000, appendTimeoutMs: 60_000, ackTimeoutMs: 1000 };

function setup(overrides: Partial<AppendBatcherSettings> = {}) {
  const log = new Map<string, number>();
  const producers: FakeProducer[] = [];
  const batcher = new AppendBatcher(
    { ...settings, ...overrides },
    async (createPartitioner) => {
      const producer = new FakeProducer(log, createPartitioner());
      producers.push(producer);
      return producer as unknown as Producer;
    },
    recordingLogger(),
  );
  const append = (key: string, n: number) => batcher.append('t', { key, value: JSON.stringify({ n }) } as Message, 10);
  return { batcher, producers, append, log };
}

describe('AppendBatcher', () => {
  it('puts appends made while a request is in flight into the next requests, bounded by maxBatchRecords', async () => {
    const { batcher, producers, append } = setup();
    await batcher.start();
    let release: () => void = () => undefined;
    producers[0].hold = new Promise<void>((resolve) => (release = resolve));
    const first = append('a', 0);
    await new Promise((resolve) => setImmediate(resolve));
    const rest = Array.from({ length: 9 }, (_, i) => append(i % 2 ? 'a' : 'b', i + 1));
    producers[0].hold = null;
    release();
    await Promise.all([first, ...rest]);
    expect(producers[0].requests.map((r) => r.topicMessages?.[0].messages.length)).toEqual([1, 4, 4, 1]);
  });

  it('answers each append with its own partition and offset: dense per partition, in append order per key', async () => {
    const { batcher, append } = setup();
    await batcher.start();
    const keys = ['k1', 'k2', 'k3', 'k4', 'k5'];
    const results = await Promise.all(Array.from({ length: 40 }, (_, n) => append(keys[n % keys.length], n)));
    const seen = new Set(results.map((r) => `${r.partition}:${r.offset}`));
    expect(seen.size).toBe(40);
    for (const key of keys) {
      const mine = results.filter((_, n) => keys[n % keys.length] === key);
      expect(new Set(mine.map((r) => r.partition)).size).toBe(1);
      const offsets = mine.map((r) => Number(r.offset));
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    }
    for (let p = 0; p < PARTITIONS; p++) {
      const offsets = results.filter((r) => r.partition === p).map((r) => Number(r.offset)).sort((a, b) => a - b);
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
  });

  it('rejects a failed request with UNAVAILABLE and sends the next one from a fresh producer', async () => {
    const { batcher, producers, append } = setup();
    await batcher.start();
    producers[0].failNext = new KafkaJSConnectionError('broker went away');
    await expect(append('a', 1)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(producers[0].disconnected).toBe(true);
    expect(batcher.connected).toBe(false);
    await expect(append('a', 2)).resolves.toMatchObject({ offset: '0' });
    expect(producers).toHaveLength(2);
  });

  it('opens one producer however many callers wait for it', async () => {
    const { batcher, producers, append } = setup();
    await Promise.all([batcher.start(), batcher.start(), append('a', 1), append('b', 2)]);
    expect(producers).toHaveLength(1);
  });

  it('refuses appends beyond maxPendingAppends at once, and after close()', async () => {
    const { batcher, producers, append } = setup({ maxPendingAppends: 2 });
    await batcher.start();
    let release: () => void = () => undefined;
    producers[0].hold = new Promise<void>((resolve) => (release = resolve));
    const accepted = [append('a', 1), append('a', 2)];
    await expect(append('a', 3)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    release();
    await Promise.all(accepted);
    await batcher.close();
    await expect(append('a', 4)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(producers[0].disconnected).toBe(true);
  });

  it('refuses an append that waited in the queue longer than appendTimeoutMs, without sending it', async () => {
    const { batcher, producers, append } = setup({ appendTimeoutMs: 1 });
    await batcher.start();
    let release: () => void = () => undefined;
    producers[0].hold = new Promise<void>((resolve) => (release = resolve));
    const first = append('a', 1);
    await new Promise((resolve) => setImmediate(resolve));
    const late = append('a', 2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await first;
    await expect(late).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(producers[0].requests).toHaveLength(1);
  });
});
