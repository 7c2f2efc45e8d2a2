import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { authMigrations } from '@parley/auth-service';
import { CONFIG, ParleyConfig } from '@parley/config';
import { messagingMigrations } from '@parley/messaging-service';
import { notificationMigrations } from '@parley/notification-service';
import { createLogger, Logger, LOGGER, Metrics, METRICS } from '@parley/observability';
import {
  BLOB_STORE, DiskBlobStore, EmbeddedEventLog, EVENT_LOG, EventLog, eventLogMigrations, MESSAGE_STORE, messageStoreMigrations, MemoryPresenceStore, MemoryRouteTable,
  PgliteSqlDb, PRESENCE_STORE, PUSH_PROVIDERS, READINESS_CHECKS, ReadinessCheck, ROUTE_TABLE, runMigrations, SQL_DB, SqlDb, SqlMessageStore,
} from '@parley/ports';
import { openPushProviders } from '@parley/runtime';
import { presenceMigrations } from '@parley/presence-service';
import { TracedEventLog } from '@parley/runtime';

/** Every schema standalone mode keeps in its one embedded Postgres. */
export const standaloneMigrations = [
  ...authMigrations,
  ...messagingMigrations,
  ...presenceMigrations,
  ...notificationMigrations,
  ...eventLogMigrations,
  ...messageStoreMigrations,
];

/** Closes the log before the database it lives in, after every consumer has stopped. */
@Injectable()
class EmbeddedInfraCloser implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLog,
    @Inject(SQL_DB) private readonly db: SqlDb,
    @Inject(PUSH_PROVIDERS) private readonly push: ReturnType<typeof openPushProviders>,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.push.closeAll();
    await this.log.close();
    await this.db.close();
  }
}

/**
 * Standalone mode's adapters: one PGlite database under the data directory for relational data,
 * messages and the partitioned event log; presence and routes in memory (ephemeral by nature:
 * a restart closes every socket anyway).
 */
@Global()
@Module({})
export class StandaloneInfraModule {
  static forRoot(config: ParleyConfig): DynamicModule {
    const logger = createLogger('parley', config.logLevel);
    return {
      module: StandaloneInfraModule,
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: METRICS, useValue: new Metrics({ mode: 'standalone', gateway: config.gatewayId }) },
        {
          provide: SQL_DB,
          useFactory: async () => {
            mkdirSync(config.dataDir, { recursive: true });
            const db = await PgliteSqlDb.open(join(config.dataDir, 'pg'));
            const applied = await runMigrations(db, standaloneMigrations);
            if (applied.length > 0) logger.info('migrations applied', { applied });
            return db;
          },
        },
        {
          provide: EVENT_LOG,
          inject: [SQL_DB, METRICS],
          useFactory: (db: SqlDb, metrics: Metrics) =>
            new TracedEventLog(
              new EmbeddedEventLog({
                db,
                partitions: config.log.partitions,
                onError: (err, ctx) => logger.warn('event log error', { err, ...ctx }),
              }),
              metrics,
            ),
        },
        { provide: MESSAGE_STORE, inject: [SQL_DB], useFactory: (db: SqlDb) => new SqlMessageStore(db) },
        {
          provide: BLOB_STORE,
          useFactory: async () =>
            new DiskBlobStore(join(config.dataDir, 'attachments'), await DiskBlobStore.keyFrom(config.attachments.signingKeyFile || join(config.dataDir, 'attachments.key'))),
        },
        { provide: PRESENCE_STORE, useValue: new MemoryPresenceStore() },
        { provide: ROUTE_TABLE, useValue: new MemoryRouteTable() },
        { provide: PUSH_PROVIDERS, inject: [SQL_DB], useFactory: (db: SqlDb) => openPushProviders(config.push, db, logger.child({ component: 'push' })) },
        {
          provide: READINESS_CHECKS,
          inject: [SQL_DB, EVENT_LOG],
          useFactory: (db: SqlDb, log: EventLog): ReadinessCheck[] => [
            { name: 'database', check: () => db.healthy() },
            { name: 'event-log', check: () => log.healthy() },
          ],
        },
        EmbeddedInfraCloser,
      ],
      exports: [BLOB_STORE, CONFIG, LOGGER, METRICS, SQL_DB, EVENT_LOG, MESSAGE_STORE, PRESENCE_STORE, ROUTE_TABLE, PUSH_PROVIDERS, READINESS_CHECKS],
    };
  }
}

export type { Logger };
