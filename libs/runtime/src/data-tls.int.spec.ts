import { CassandraConnectOptions, CassandraMessageStore, KafkaEventLog, KafkaEventLogOptions } from '@parley/adapters';
import { loadConfig, ParleyConfig } from '@parley/config';
import { Message } from '@parley/domain';
import { createLogger } from '@parley/observability';
import { LogRecord, Topics } from '@parley/ports';
import { startTlsCassandra, startTlsKafka } from '../../adapters/src/testing/tls-jvm-servers';
import { recordingLogger } from '../../adapters/src/testing/recording-logger';
import { makeTestCa, removeTestCa, RunningServer, TestCa } from '../../adapters/src/testing/tls-servers';
import { cassandraConnection, kafkaConnection, openCassandraMessageStore, openKafkaEventLog } from './real-adapters';
import { runSetup } from './setup';

/**
 * TLS to Kafka (PARLEY_KAFKA_TLS*) and Cassandra (PARLEY_CASSANDRA_TLS*), from the settings to the
 * wire: a Kafka broker and a Cassandra node of our own (not the shared ones) that speak only TLS
 * with a certificate of a CA made for this run, and require a client certificate of it. The setup
 * job and the processes' adapters work over it; another CA, no client certificate or plaintext fail.
 */
const logger = createLogger('data-tls-test', 'error');
let ca: TestCa;
let kafka: RunningServer;
let cassandra: RunningServer;
let config: ParleyConfig;

beforeAll(async () => {
  ca = makeTestCa();
  [kafka, cassandra] = await Promise.all([startTlsKafka(ca), startTlsCassandra(ca)]);
  config = loadConfig({
    ...process.env,
    PARLEY_MODE: 'mesh',
    PARLEY_KAFKA_BROKERS: `localhost:${kafka.port}`,
    PARLEY_KAFKA_NAME_PREFIX: 'tls.',
    PARLEY_KAFKA_TLS: 'true',
    PARLEY_KAFKA_TLS_CA_FILE: ca.caFile,
    PARLEY_KAFKA_TLS_CERT_FILE: ca.clientCertFile,
    PARLEY_KAFKA_TLS_KEY_FILE: ca.clientKeyFile,
    PARLEY_LOG_PARTITIONS: '2',
    PARLEY_CASSANDRA_CONTACT_POINTS: `127.0.0.1:${cassandra.port}`,
    PARLEY_CASSANDRA_DC: 'datacenter1',
    PARLEY_CASSANDRA_KEYSPACE: 'parley_tls',
    PARLEY_CASSANDRA_TLS: 'true',
    PARLEY_CASSANDRA_TLS_CA_FILE: ca.caFile,
    PARLEY_CASSANDRA_TLS_CERT_FILE: ca.clientCertFile,
    PARLEY_CASSANDRA_TLS_KEY_FILE: ca.clientKeyFile,
    PARLEY_SCHEMA_SETUP: 'verify',
  });
}, 300_000);
afterAll(async () => {
  await Promise.all([kafka?.stop(), cassandra?.stop()]);
  if (ca) removeTestCa(ca);
}, 90_000);

const message = (seq: number): Message => ({
  id: `m-${seq}`,
  conversation_id: 'c-tls',
  seq,
  sender_id: 'u-1',
  client_msg_id: `cm-${seq}`,
  body: { text: `over TLS ${seq}` },
  created_at: new Date(Date.UTC(2026, 11, 4, 22, 0, seq)).toISOString(),
});

describe('TLS to Kafka and Cassandra', () => {
  test('the setup job creates topics and keyspace over TLS; the processes then append, consume, write and read over it', async () => {
    const report = await runSetup(config, [], logger);
    expect(report.topicsCreated.sort()).toEqual([`tls.${Topics.events}`, `tls.${Topics.ingress}`]);

    const log = await openKafkaEventLog(config, logger);
    try {
      expect(await log.healthy()).toBe(true);
      await log.append(Topics.events, 'c-tls', { n: 1 });
      const seen = await new Promise<LogRecord<{ n: number }>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no record consumed over TLS')), 30_000);
        void log.consume<{ n: number }>({ group: 'tls-test', topic: Topics.events, handleBatch: async (records) => (clearTimeout(timer), resolve(records[0])) });
      });
      expect(seen.value).toEqual({ n: 1 });
    } finally {
      await log.close();
    }

    const store = await openCassandraMessageStore(config, logger);
    try {
      await store.insert(message(1));
      expect(await store.after('c-tls', 0, 10)).toEqual([message(1)]);
      expect(await store.healthy()).toBe(true);
    } finally {
      await store.close();
    }
  }, 120_000);

  test('Kafka refuses plaintext, a client without a certificate, and a client trusting another CA', async () => {
    const base = { ...kafkaConnection(config, 'tls-refused', logger), logger: recordingLogger(), connectionTimeoutMs: 2000, requestTimeoutMs: 3000, retries: 1 };
    const tls = config.kafka.tls!;
    const cases: Array<[KafkaEventLogOptions, RegExp]> = [
      [{ ...base, tls: undefined }, /closed connection|ECONNRESET|disconnected/i],
      [{ ...base, tls: { caFile: tls.caFile } }, /bad certificate|certificate required/],
      [{ ...base, tls: { ...tls, caFile: ca.otherCaFile } }, /unable to verify|self.signed/],
    ];
    for (const [options, reason] of cases) {
      const error = await KafkaEventLog.connect(options).then(() => null, (e: unknown) => e);
      expect(error).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(reason) });
    }
  }, 60_000);

  test('Cassandra refuses plaintext, a client without a certificate, and a client trusting another CA', async () => {
    const base = { ...cassandraConnection(config, logger), logger: recordingLogger(), connectTimeoutMs: 2000 };
    const tls = config.cassandra.tls!;
    const cases: Array<[CassandraConnectOptions, RegExp]> = [
      [{ ...base, tls: undefined }, /ECONNRESET|closed|socket/i],
      [{ ...base, tls: { caFile: tls.caFile } }, /certificate required|bad certificate/],
      [{ ...base, tls: { ...tls, caFile: ca.otherCaFile } }, /unable to verify|self.signed/],
    ];
    for (const [options, reason] of cases) {
      const error = await CassandraMessageStore.connect(options).then(() => null, (e: unknown) => e);
      expect(error).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(reason) });
    }
  }, 60_000);
});
