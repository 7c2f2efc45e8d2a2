import { randomBytes } from 'node:crypto';
import { Client } from 'cassandra-driver';
import { Kafka, logLevel } from 'kafkajs';
import { CassandraMessageStore, KafkaEventLog } from '@parley/adapters';
import { authMigrations } from '@parley/auth-service';
import { loadConfig, ParleyConfig } from '@parley/config';
import { createLogger } from '@parley/observability';
import { LogRecord, pendingMigrations, Topics } from '@parley/ports';
import { openKafkaEventLog, openPostgres } from './real-adapters';
import { runSetup } from './setup';

/**
 * The setup job (apps/setup) against the real servers: it creates the keyspace
 * (NetworkTopologyStrategy), migrations and topics behind a release prefix, once; processes in
 * verify mode refuse to start before it ran and start after. Unique names, removed afterwards.
 */
const id = randomBytes(4).toString('hex');
const prefix = `it-${id}.`;
const keyspace = `it_setup_${id}`;
const logger = createLogger('setup-test', 'warn');
const config: ParleyConfig = loadConfig({
  ...process.env,
  PARLEY_MODE: 'mesh',
  PARLEY_KAFKA_NAME_PREFIX: prefix,
  PARLEY_KAFKA_MIN_INSYNC_REPLICAS: '1',
  PARLEY_LOG_PARTITIONS: '2',
  PARLEY_CASSANDRA_KEYSPACE: keyspace,
  PARLEY_CASSANDRA_REPLICATION: `${process.env.PARLEY_CASSANDRA_DC || 'datacenter1'}:1`,
  PARLEY_SCHEMA_SETUP: 'verify',
});
const kafkaAdmin = () => new Kafka({ brokers: config.kafka.brokers, logLevel: logLevel.NOTHING }).admin();

afterAll(async () => {
  const admin = kafkaAdmin();
  await admin.connect();
  try {
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
  const client = new Client({ contactPoints: config.cassandra.contactPoints, localDataCenter: config.cassandra.localDataCenter });
  await client.connect();
  await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).finally(() => client.shutdown());
}, 60_000);

describe('the setup job and verify mode', () => {
  test('verify mode refuses to start before setup, naming what is missing', async () => {
    await expect(openKafkaEventLog(config, logger)).rejects.toThrow(new RegExp(`kafka topics missing: ${prefix.replace('.', '\\.')}parley\\.ingress\\.v1`));
    await expect(
      CassandraMessageStore.connect({ contactPoints: config.cassandra.contactPoints, localDataCenter: config.cassandra.localDataCenter, keyspace, verifySchema: true }),
    ).rejects.toThrow(/cassandra schema missing/);
  }, 60_000);

  test('setup creates everything once; verify mode then starts; names carry the prefix on the wire only', async () => {
    const first = await runSetup(config, authMigrations, logger);
    expect(first.topicsCreated.sort()).toEqual([`${prefix}${Topics.events}`, `${prefix}${Topics.ingress}`]);
    const again = await runSetup(config, authMigrations, logger);
    expect(again).toMatchObject({ topicsCreated: [], migrationsApplied: [] });

    const client = new Client({ contactPoints: config.cassandra.contactPoints, localDataCenter: config.cassandra.localDataCenter });
    await client.connect();
    try {
      const ks = await client.execute('SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?', [keyspace]);
      expect(ks.rows[0].replication.class).toMatch(/NetworkTopologyStrategy$/);
    } finally {
      await client.shutdown();
    }
    const admin = kafkaAdmin();
    await admin.connect();
    try {
      const described = await admin.describeConfigs({ resources: [{ type: 2, name: `${prefix}${Topics.ingress}`, configNames: ['min.insync.replicas'] }], includeSynonyms: false });
      expect(described.resources[0].configEntries[0]).toMatchObject({ configName: 'min.insync.replicas', configValue: '1' });
    } finally {
      await admin.disconnect();
    }
    const db = openPostgres(config, logger);
    try {
      expect(await pendingMigrations(db, authMigrations)).toEqual([]);
    } finally {
      await db.close();
    }

    const store = await CassandraMessageStore.connect({ contactPoints: config.cassandra.contactPoints, localDataCenter: config.cassandra.localDataCenter, keyspace, verifySchema: true });
    await store.close();
    const log: KafkaEventLog = await openKafkaEventLog(config, logger);
    try {
      const received: LogRecord[] = [];
      const consumer = await log.consume({ group: 'setup-test', topic: Topics.ingress, handleBatch: async (records) => void received.push(...records) });
      await log.append(Topics.ingress, 'k', { hello: id });
      const deadline = Date.now() + 30_000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await consumer.stop();
      expect(received[0]).toMatchObject({ topic: Topics.ingress, value: { hello: id } });
      const groups = await (async () => {
        const a = kafkaAdmin();
        await a.connect();
        try {
          return (await a.listGroups()).groups.map((g) => g.groupId);
        } finally {
          await a.disconnect();
        }
      })();
      expect(groups).toContain(`${prefix}setup-test`);
    } finally {
      await log.close();
    }
  }, 120_000);
});
