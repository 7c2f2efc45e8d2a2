import { LogRecord } from '@parley/ports';
import { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { recordingLogger } from '../testing/recording-logger';
import { GroupConsumerSettings, KafkaGroupConsumer, decodeHeaders } from './kafka-group-consumer';

/** The parts of a kafkajs consumer KafkaGroupConsumer uses, driven by the test. */
class FakeKafkaConsumer {
  readonly events = { GROUP_JOIN: 'consumer.group_join', REBALANCING: 'consumer.rebalancing', CRASH: 'consumer.crash' };
  private readonly listeners = new Map<string, (event: { payload: unknown }) => void>();
  eachBatch: ((payload: EachBatchPayload) => Promise<void>) | null = null;
  disconnected = false;

  on(name: string, listener: (event: { payload: unknown }) => void): void {
    this.listeners.set(name, listener);
  }
  emit(name: string, payload: unknown): void {
    this.listeners.get(name)?.({ payload });
  }
  async connect(): Promise<void> {}
  async subscribe(): Promise<void> {}
  async run(config: { eachBatch: (payload: EachBatchPayload) => Promise<void> }): Promise<void> {
    this.eachBatch = config.eachBatch;
  }
  async disconnect(): Promise<void> {
    this.disconnected = true;
  }
}

const settings: GroupConsumerSettings = {
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1000,
  maxWaitMs: 100,
  initialBackoffMs: 5,
  maxBackoffMs: 40,
  startTimeoutMs: 1000,
  retry: { retries: 1 },
  defaultMaxBatch: 100,
  concurrentPartitions: 4,
};

function message(offset: number, value: string = JSON.stringify({ n: offset })): KafkaMessage {
  return { key: Buffer.from('k'), value: Buffer.from(value), timestamp: '1700000000000', attributes: 0, offset: String(offset), headers: {} };
}

/** What kafkajs hands eachBatch, recording the calls the consumer makes on it. */
function payload(partition: number, offsets: number[], calls: string[], values?: string[]) {
  let paused = false;
  const p = {
    batch: { topic: 't', partition, messages: offsets.map((o, i) => message(o, values?.[i])) },
    resolveOffset: (offset: string) => void calls.push(`resolve ${offset}`),
    commitOffsetsIfNecessary: async (o?: { topics: { partitions: { offset: string }[] }[] }) => void calls.push(`commit ${o?.topics[0].partitions[0].offset}`),
    heartbeat: async () => undefined,
    pause: () => {
      paused = true;
      calls.push('pause');
      return () => {
        paused = false;
        calls.push('resume');
      };
    },
    isRunning: () => true,
    isStale: () => false,
    get paused() {
      return paused;
    },
  };
  return p as unknown as EachBatchPayload & { paused: boolean };
}

async function started(options: { maxBatch?: number; handle?: (records: LogRecord<{ n: number }>[]) => Promise<void> } = {}) {
  const fake = new FakeKafkaConsumer();
  const kafka = { consumer: () => fake } as unknown as Kafka;
  const handled: number[][] = [];
  const ownership: string[] = [];
  const consumer = new KafkaGroupConsumer<{ n: number }>(
    kafka,
    {
      group: 'g',
      topic: 't',
      maxBatch: options.maxBatch,
      handleBatch: options.handle ?? (async (records) => void handled.push(records.map((r) => r.value.n))),
      onAssigned: (ps) => ownership.push(`+${ps.join(',')}`),
      onRevoked: (ps) => ownership.push(`-${ps.join(',')}`),
    },
    settings,
    recordingLogger(),
    () => undefined,
  );
  await consumer.start();
  fake.emit(fake.events.GROUP_JOIN, { memberAssignment: { t: [0, 1] } });
  const eachBatch = fake.eachBatch;
  if (!eachBatch) throw new Error('run() was not called');
  return { fake, consumer, handled, ownership, eachBatch };
}

describe('KafkaGroupConsumer', () => {
  it('commits each chunk (last offset + 1) only after its handler resolved, then resolves it', async () => {
    const calls: string[] = [];
    const { eachBatch, handled } = await started({ maxBatch: 2 });
    await eachBatch(payload(0, [10, 11, 12, 13, 14], calls));
    expect(handled).toEqual([[10, 11], [12, 13], [14]]);
    expect(calls).toEqual(['commit 12', 'resolve 11', 'commit 14', 'resolve 13', 'commit 15', 'resolve 14']);
  });

  it('commits and resolves nothing of a failed chunk, handles nothing behind it, and pauses the partition for a back-off', async () => {
    const calls: string[] = [];
    const seen: number[] = [];
    const { eachBatch } = await started({
      maxBatch: 2,
      handle: async (records) => {
        seen.push(...records.map((r) => r.value.n));
        if (records.some((r) => r.value.n === 12)) throw new Error('handler failed');
      },
    });
    const p = payload(0, [10, 11, 12, 13, 14], calls);
    await eachBatch(p);
    expect(seen).toEqual([10, 11, 12, 13]);
    expect(calls).toEqual(['commit 12', 'resolve 11', 'pause']);
    expect(p.paused).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(p.paused).toBe(false);
  });

  it('leaves alone a batch of a partition it does not own', async () => {
    const calls: string[] = [];
    const { eachBatch, handled } = await started();
    await eachBatch(payload(7, [1, 2], calls));
    expect(handled).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('revokes everything when a rebalance starts, assigns the new partitions on join, and revokes the rest on stop', async () => {
    const { fake, consumer, ownership, eachBatch, handled } = await started();
    fake.emit(fake.events.REBALANCING, {});
    await eachBatch(payload(0, [1], []));
    fake.emit(fake.events.GROUP_JOIN, { memberAssignment: { t: [1, 2] } });
    fake.emit(fake.events.GROUP_JOIN, { memberAssignment: { t: [2, 3] } });
    await consumer.stop();
    expect(ownership).toEqual(['+0,1', '-0,1', '+1,2', '-1', '+3', '-2,3']);
    expect(handled).toEqual([]);
    expect(fake.disconnected).toBe(true);
  });

  it('skips a record that is not JSON, and commits past it', async () => {
    const calls: string[] = [];
    const { eachBatch, handled } = await started();
    await eachBatch(payload(1, [5, 6, 7], calls, ['{"n":5}', 'not json', '{"n":7}']));
    expect(handled).toEqual([[5, 7]]);
    expect(calls).toEqual(['commit 8', 'resolve 7']);
  });
});

describe('decodeHeaders', () => {
  it('turns buffers into UTF-8 strings, keeps the last of repeated values, and drops empty ones', () => {
    expect(decodeHeaders({ traceparent: Buffer.from('00-abc-01'), twice: ['a', Buffer.from('b')], none: undefined, plain: 'é' })).toEqual({
      traceparent: '00-abc-01',
      twice: 'b',
      plain: 'é',
    });
    expect(decodeHeaders(undefined)).toEqual({});
  });
});
