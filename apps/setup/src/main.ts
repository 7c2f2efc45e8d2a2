import { authMigrations } from '@parley/auth-service';
import { loadConfig } from '@parley/config';
import { messagingMigrations } from '@parley/messaging-service';
import { notificationMigrations } from '@parley/notification-service';
import { createLogger } from '@parley/observability';
import { presenceMigrations } from '@parley/presence-service';
import { runSetup } from '@parley/runtime';

/**
 * `node dist/apps/setup/src/main.js`: creates the Cassandra keyspace and tables, applies every
 * service's Postgres migrations and creates the Kafka topics, then exits (0 when all is in place).
 * The chart runs it as a pre-install/pre-upgrade Job; the services then run with
 * PARLEY_SCHEMA_SETUP=verify. Idempotent: safe to run again.
 */
const config = loadConfig();
const logger = createLogger('parley-setup', config.logLevel);
const migrations = [...authMigrations, ...messagingMigrations, ...presenceMigrations, ...notificationMigrations];

const deadline = setTimeout(() => {
  logger.error('setup did not finish within 5 minutes');
  process.exit(1);
}, 5 * 60_000);
deadline.unref();

runSetup(config, migrations, logger).then(
  (report) => {
    logger.info('setup done', { ...report });
    process.exit(0);
  },
  (err: unknown) => {
    logger.error('setup failed', { err });
    process.exit(1);
  },
);
