import { Kafka, logLevel } from 'kafkajs';
import { LogRecord } from '@parley/ports';
import { describeEventLogContract, uniqueName, waitFor } from '../../../ports/src/contract';
import { closedPort, integrationEnv, requireServer } from '../testing/integration-env';
import { recordingLogger } from '../testing/recording-logger';
import { KafkaEventLog, KafkaEventLogOptions } from './kafka-event-log.adapter';

const brokers = integrationEnv.kafkaBrokers;
/** Topics this run created; afterAll deletes them. */
const created: string[] = [];
const PARTITIONS = 4;

async function openLog(options: Partial<KafkaEventLogOptions> = {}): Promise<KafkaEventLog> {
  await requireServer('kafka', brokers[0]);
  return KafkaEventLog.connect({ brokers, logger: recordingLogger(), ...options });
}

async function createTopic(log: KafkaEventLog, topic: string): Promise<void> {
  created.push(topic);
  await log.ensureTopics({ topics: [topic], partitions: PARTITIONS, replicationFactor: 1 });
}

afterAll(async () => {
  if (created.length === 0) return;
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: created, timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
}, 30_000);

describeEventLogContract(
  'kafka (kafkajs)',
  async () => {
    const log = await openLog();
    return { log, cleanup: () => log.close(), createTopic: (topic) => createTopic(log, topic) };
  },
  { timeoutMs: 30_000 },
);

interface Payload {
  n: number;
}

describe('KafkaEventLog on a real broker', () => {
  let log: KafkaEventLog;

  beforeAll(async () => {
    log = await openLog({ maxBatchRecords: 7 });
  });

  afterAll(async () => {
    await log?.close();
  });

  it('creates topics idempotently, with the partitions asked for', async () => {
    const topic = uniqueName('topics');
    created.push(topic);
    expect(await log.ensureTopics({ topics: [topic], partitions: 3, replicationFactor: 1 })).toEqual([topic]);
    expect(await log.ensureTopics({ topics: [topic], partitions: 3, replicationFactor: 1 })).toEqual([]);
    const results = await Promise.all(Array.from({ length: 30 }, (_, n) => log.append(topic, `k-${n}`, { n })));
    expect(new Set(results.map((r) => r.partition))).toEqual(new Set([0, 1, 2]));
  });

  it('gives many concurrent appends, spread over several produce requests, dense offsets in key order', async () => {
    const topic = uniqueName('batched');
    await createTopic(log, topic);
    const sends = Array.from({ length: 300 }, (_, n) => ({ key: `key-${n % 10}`, n }));
    const results = await Promise.all(sends.map((s) => log.append<Payload>(topic, s.key, { n: s.n }, { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` })));

    const byPartition = new Map<number, bigint[]>();
    results.forEach((r) => byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), BigInt(r.offset)]));
    for (const offsets of byPartition.values()) {
      const sorted = [...offsets].sort((a, b) => (a < b ? -1 : 1));
      expect(sorted).toEqual(sorted.map((_, i) => sorted[0] + BigInt(i)));
    }

    const received: LogRecord<Payload>[] = [];
    const consumer = await log.consume<Payload>({ group: uniqueName('g'), topic, handleBatch: async (records) => void received.push(...records) });
    try {
      await waitFor(() => received.length >= sends.length, 30_000, 'all records');
    } finally {
      await consumer.stop();
    }
    for (const r of received) {
      expect(results[r.value.n]).toEqual({ partition: r.partition, offset: r.offset });
      expect(r.headers.traceparent).toBe(`00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`);
    }
    // Per key, records arrive in the order they were appended.
    for (let k = 0; k < 10; k++) {
      const ns = received.filter((r) => r.key === `key-${k}`).map((r) => r.value.n);
      expect(ns).toEqual(sends.filter((s) => s.key === `key-${k}`).map((s) => s.n));
    }
  }, 60_000);

  it('skips a record that is not JSON (logging it) and goes on with the next one', async () => {
    const topic = uniqueName('poison');
    await createTopic(log, topic);
    const raw = new Kafka({ brokers, logLevel: logLevel.NOTHING }).producer();
    await raw.connect();
    try {
      await raw.send({ topic, messages: [{ key: 'k', value: 'not json {' }] });
    } finally {
      await raw.disconnect();
    }
    await log.append<Payload>(topic, 'k', { n: 1 });

    const logger = recordingLogger();
    const reader = await openLog({ logger });
    const seen: number[] = [];
    try {
      await reader.consume<Payload>({ group: uniqueName('g'), topic, handleBatch: async (records) => void seen.push(...records.map((r) => r.value.n)) });
      await waitFor(() => seen.length >= 1, 30_000, 'the record after the bad one');
    } finally {
      await reader.close();
    }
    expect(seen).toEqual([1]);
    expect(logger.entries.some((e) => e.level === 'error' && /not JSON/.test(e.msg))).toBe(true);
  }, 60_000);

  it('refuses a record over maxRecordBytes and bad arguments without sending anything', async () => {
    const small = await openLog({ maxRecordBytes: 100 });
    try {
      await expect(small.append('t', 'k', { text: 'x'.repeat(200) })).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      await expect(small.append('bad topic!', 'k', {})).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(small.append('t', 'k', {}, { n: 1 as unknown as string })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(small.consume({ group: '', topic: 't', handleBatch: async () => undefined })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    } finally {
      await small.close();
    }
  });

  it('answers UNAVAILABLE after close()', async () => {
    const closing = await openLog();
    await closing.close();
    await expect(closing.append('t', 'k', {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(closing.consume({ group: 'g', topic: 't', handleBatch: async () => undefined })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('KafkaEventLog with the broker down', () => {
  it('fails to connect with UNAVAILABLE within seconds instead of retrying forever', async () => {
    const port = await closedPort();
    await expect(
      KafkaEventLog.connect({ brokers: [`127.0.0.1:${port}`], connectionTimeoutMs: 500, retries: 2, logger: recordingLogger() }),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  }, 15_000);
});
