import { CassandraConnectOptions, CassandraMessageStore, KafkaEventLog, KafkaEventLogOptions } from '@parley/adapters';
import { loadConfig, ParleyConfig } from '@parley/config';
import { Message } from '@parley/domain';
import { createLogger } from '@parley/observability';
import { LogRecord, Topics } from '@parley/ports';
import { CASSANDRA_TEST_USER, startTlsCassandra, startTlsKafka, TLS_TEST_USER, TlsKafka } from '../../adapters/src/testing/tls-jvm-servers';
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
let kafka: TlsKafka;
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
    PARLEY_CASSANDRA_USERNAME: CASSANDRA_TEST_USER.username,
    PARLEY_CASSANDRA_PASSWORD: CASSANDRA_TEST_USER.password,
    PARLEY_SCHEMA_SETUP: 'verify',
  });
  await untilCassandraAcceptsItsSuperuser();
}, 300_000);

/** PasswordAuthenticator creates the default superuser just after the node starts listening. */
async function untilCassandraAcceptsItsSuperuser(): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const probe = await CassandraMessageStore.connect({ ...cassandraConnection(config, logger), logger: recordingLogger(), keyspace: 'system', connectTimeoutMs: 3000 });
      return await probe.close();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
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

describe('TLS to Kafka and Cassandra, with their credentials', () => {
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

  test('Kafka SASL/SCRAM over TLS (SASL_SSL): the settings connect with the right password, a wrong one is refused', async () => {
    const env = (password: string) =>
      loadConfig({
        ...process.env,
        PARLEY_MODE: 'mesh',
        PARLEY_KAFKA_BROKERS: `localhost:${kafka.saslPort}`,
        PARLEY_KAFKA_NAME_PREFIX: 'tls.',
        PARLEY_KAFKA_TLS: 'true',
        PARLEY_KAFKA_TLS_CA_FILE: ca.caFile,
        PARLEY_KAFKA_SASL_MECHANISM: 'scram-sha-512',
        PARLEY_KAFKA_SASL_USERNAME: TLS_TEST_USER.username,
        PARLEY_KAFKA_SASL_PASSWORD: password,
        PARLEY_SCHEMA_SETUP: 'verify',
      });
    const log = await openKafkaEventLog(env(TLS_TEST_USER.password), logger);
    try {
      expect((await log.append(Topics.ingress, 'k', { sasl: true })).partition).toBeGreaterThanOrEqual(0);
    } finally {
      await log.close();
    }
    const wrong = { ...kafkaConnection(env('not-the-password'), 'sasl-refused', logger), logger: recordingLogger(), connectionTimeoutMs: 2000, requestTimeoutMs: 3000, retries: 1 };
    await expect(KafkaEventLog.connect(wrong)).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/SASL|authentication/i) });
  }, 60_000);

  test('Kafka refuses plaintext, a client without a certificate, and a client trusting another CA', async () => {
    const base = { ...kafkaConnection(config, 'tls-refused', logger), logger: recordingLogger(), connectionTimeoutMs: 2000, requestTimeoutMs: 3000, retries: 1 };
    const tls = config.kafka.tls!;
    const cases: Array<[KafkaEventLogOptions, RegExp]> = [
      [{ ...base, tls: undefined }, /closed connection|ECONNRESET|disconnected|timeout/i],
      [{ ...base, tls: { caFile: tls.caFile } }, /bad certificate|certificate required/],
      [{ ...base, tls: { ...tls, caFile: ca.otherCaFile } }, /unable to verify|self.signed/],
    ];
    for (const [options, reason] of cases) {
      const error = await KafkaEventLog.connect(options).then(() => null, (e: unknown) => e);
      expect(error).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(reason) });
    }
  }, 60_000);

  test('Cassandra refuses plaintext, a client without a certificate or trusting another CA, a wrong password and no credentials', async () => {
    const base = { ...cassandraConnection(config, logger), logger: recordingLogger(), connectTimeoutMs: 2000 };
    const tls = config.cassandra.tls!;
    const cases: Array<[CassandraConnectOptions, RegExp]> = [
      [{ ...base, tls: undefined }, /ECONNRESET|closed|socket|timed? ?out/i],
      [{ ...base, tls: { caFile: tls.caFile } }, /certificate required|bad certificate/],
      [{ ...base, tls: { ...tls, caFile: ca.otherCaFile } }, /unable to verify|self.signed/],
      [{ ...base, credentials: { username: CASSANDRA_TEST_USER.username, password: 'wrong' } }, /bad credentials|Authentication|password/i],
      [{ ...base, credentials: undefined }, /auth/i],
    ];
    for (const [options, reason] of cases) {
      const error = await CassandraMessageStore.connect(options).then(() => null, (e: unknown) => e);
      expect(error).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(reason) });
    }
  }, 60_000);
});
