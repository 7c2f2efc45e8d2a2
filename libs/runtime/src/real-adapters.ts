import { CassandraConnectOptions, CassandraMessageStore, KafkaEventLog, KafkaEventLogOptions, PgSqlDb, openRedis, RedisCallStore, RedisPresenceStore, RedisRouteTable, RedisSharedBuckets, S3BlobStore } from '@parley/adapters';
import { ParleyConfig } from '@parley/config';
import { Logger } from '@parley/observability';
import { BlobStore, DisabledBlobStore, Topics } from '@parley/ports';

/** The mesh's real adapters, built from config. Each opens its own client (closed with it). */
export function openPostgres(config: ParleyConfig, logger: Logger): PgSqlDb {
  return new PgSqlDb({ connectionString: config.postgresUrl, maxConnections: 10, logger: logger.child({ adapter: 'postgres' }) });
}

export async function openRedisPresence(config: ParleyConfig, logger: Logger): Promise<RedisPresenceStore> {
  const redis = await openRedis({ url: config.redisUrl, ...(config.redisTlsCaFile ? { tlsCaFile: config.redisTlsCaFile } : {}), logger: logger.child({ adapter: 'redis' }) });
  return new RedisPresenceStore(redis, {}, true);
}

export async function openRedisRouteTable(config: ParleyConfig, logger: Logger): Promise<RedisRouteTable> {
  const redis = await openRedis({ url: config.redisUrl, ...(config.redisTlsCaFile ? { tlsCaFile: config.redisTlsCaFile } : {}), logger: logger.child({ adapter: 'redis' }) });
  return new RedisRouteTable(redis, {}, true);
}

export function openCassandraMessageStore(config: ParleyConfig, logger: Logger): Promise<CassandraMessageStore> {
  return CassandraMessageStore.connect({
    ...cassandraConnection(config, logger),
    createSchema: config.schemaSetup === 'create',
    verifySchema: config.schemaSetup === 'verify',
  });
}

/** Where and how to reach Cassandra (contact points, keyspace, replication, credentials, TLS), for the processes and the setup job. */
export function cassandraConnection(config: ParleyConfig, logger: Logger): CassandraConnectOptions {
  const { contactPoints, localDataCenter, keyspace, replication, credentials, tls } = config.cassandra;
  return { contactPoints, localDataCenter, keyspace, replication, ...(credentials ? { credentials } : {}), ...(tls ? { tls } : {}), logger: logger.child({ adapter: 'cassandra' }) };
}

/** Where and how to reach Kafka (brokers, name prefix, SASL, TLS), for the processes and the setup job. */
export function kafkaConnection(config: ParleyConfig, clientId: string, logger: Logger): KafkaEventLogOptions {
  const { brokers, namePrefix, sasl, tls } = config.kafka;
  return { brokers, clientId, namePrefix, ...(sasl ? { sasl } : {}), ...(tls ? { tls } : {}), logger: logger.child({ adapter: 'kafka' }) };
}

/**
 * Connects to Kafka (topic and group names behind PARLEY_KAFKA_NAME_PREFIX) and makes sure both
 * topics exist: creates them (idempotent; every process may ask), or with PARLEY_SCHEMA_SETUP=verify
 * only checks that the setup job did.
 */
export async function openKafkaEventLog(config: ParleyConfig, logger: Logger): Promise<KafkaEventLog> {
  const log = await KafkaEventLog.connect(kafkaConnection(config, 'parley', logger));
  try {
    if (config.schemaSetup === 'verify') await log.verifyTopics([Topics.ingress, Topics.events]);
    else await ensureParleyTopics(log, config);
  } catch (err) {
    await log.close();
    throw err;
  }
  return log;
}

export function ensureParleyTopics(log: KafkaEventLog, config: ParleyConfig): Promise<string[]> {
  return log.ensureTopics({
    topics: [Topics.ingress, Topics.events],
    partitions: config.log.partitions,
    replicationFactor: config.kafka.replicationFactor,
    ...(config.kafka.minInsyncReplicas > 0 ? { minInsyncReplicas: config.kafka.minInsyncReplicas } : {}),
  });
}

/** The mesh's call signaling state (docs/adr/0013-call-signaling.md). */
export async function openRedisCallStore(config: ParleyConfig, logger: Logger): Promise<RedisCallStore> {
  const redis = await openRedis({ url: config.redisUrl, ...(config.redisTlsCaFile ? { tlsCaFile: config.redisTlsCaFile } : {}), logger: logger.child({ adapter: 'redis' }) });
  return new RedisCallStore(redis, {}, true);
}

/** Sign-in limits shared by every gateway (docs/adr/0009-edge-hardening.md). */
export async function openRedisSharedBuckets(config: ParleyConfig, logger: Logger): Promise<RedisSharedBuckets> {
  const redis = await openRedis({ url: config.redisUrl, ...(config.redisTlsCaFile ? { tlsCaFile: config.redisTlsCaFile } : {}), logger: logger.child({ adapter: 'redis' }) });
  return new RedisSharedBuckets(redis, {}, true);
}

/**
 * The attachments bucket; created when missing unless the setup job owns it (PARLEY_SCHEMA_SETUP=verify).
 * Without credentials attachments are off: every attachment request answers 503 (a mesh without an
 * S3 server still serves everything else).
 */
export async function openS3BlobStore(config: ParleyConfig, logger: Logger): Promise<BlobStore> {
  const s3 = config.attachments.s3;
  if (!s3.accessKeyId || !s3.secretAccessKey) {
    logger.warn('attachments are off: PARLEY_S3_ACCESS_KEY_ID and PARLEY_S3_SECRET_ACCESS_KEY are not set');
    return new DisabledBlobStore();
  }
  const store = new S3BlobStore(s3);
  try {
    if (config.schemaSetup === 'create') await store.ensureBucket();
    else await store.healthy();
  } catch (err) {
    // A file store that is down (or a bucket not there yet) takes attachments down, not the process:
    // their requests answer 503 until it answers.
    logger.warn('the S3 file store is not answering; attachments answer 503 until it does', { err });
  }
  return store;
}
