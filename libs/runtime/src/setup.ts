import { CassandraMessageStore, KafkaEventLog, S3BlobStore } from '@parley/adapters';
import { ParleyConfig } from '@parley/config';
import { Logger } from '@parley/observability';
import { Migration, runMigrations } from '@parley/ports';
import { cassandraConnection, ensureParleyTopics, kafkaConnection, openPostgres } from './real-adapters';

export interface SetupReport {
  migrationsApplied: string[];
  topicsCreated: string[];
  keyspace: string;
}

/**
 * What the chart's pre-install/pre-upgrade Job runs once (apps/setup): the Cassandra keyspace
 * (NetworkTopologyStrategy with PARLEY_CASSANDRA_REPLICATION) and tables, every service's Postgres
 * migrations, and the Kafka topics (PARLEY_KAFKA_REPLICATION_FACTOR, PARLEY_KAFKA_MIN_INSYNC_REPLICAS,
 * behind PARLEY_KAFKA_NAME_PREFIX), and the attachments bucket (with S3 credentials). Idempotent. The processes then start with
 * PARLEY_SCHEMA_SETUP=verify and create nothing themselves.
 */
export async function runSetup(config: ParleyConfig, migrations: readonly Migration[], logger: Logger): Promise<SetupReport> {
  const store = await CassandraMessageStore.connect({ ...cassandraConnection(config, logger), createSchema: true, connectTimeoutMs: 10_000 });
  await store.close();
  logger.info('cassandra keyspace and tables ready', { keyspace: config.cassandra.keyspace, replication: config.cassandra.replication });

  const db = openPostgres(config, logger);
  let migrationsApplied: string[];
  try {
    migrationsApplied = await runMigrations(db, migrations);
  } finally {
    await db.close();
  }
  logger.info('postgres migrations applied', { applied: migrationsApplied });

  const log = await KafkaEventLog.connect(kafkaConnection(config, 'parley-setup', logger));
  let topicsCreated: string[];
  try {
    topicsCreated = await ensureParleyTopics(log, config);
  } finally {
    await log.close();
  }
  logger.info('kafka topics ready', { created: topicsCreated, prefix: config.kafka.namePrefix });

  // The attachments bucket, when S3 credentials are set (without them attachments are off).
  const s3 = config.attachments.s3;
  if (s3.accessKeyId && s3.secretAccessKey) {
    const blobs = new S3BlobStore(s3);
    try {
      await blobs.ensureBucket();
    } finally {
      await blobs.close();
    }
    logger.info('attachments bucket ready', { bucket: s3.bucket });
  }
  return { migrationsApplied, topicsCreated, keyspace: config.cassandra.keyspace };
}
