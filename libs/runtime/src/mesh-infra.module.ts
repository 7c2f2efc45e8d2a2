import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { CONFIG, ParleyConfig } from '@parley/config';
import { createLogger, LOGGER, Metrics, METRICS } from '@parley/observability';
import { BLOB_STORE, CALL_STORE, SHARED_BUCKETS, EVENT_LOG, MESSAGE_STORE, Migration, pendingMigrations, PRESENCE_STORE, READINESS_CHECKS, ReadinessCheck, ROUTE_TABLE, runMigrations, SQL_DB } from '@parley/ports';
import { TracedEventLog } from './traced-event-log';
import { openCassandraMessageStore, openKafkaEventLog, openPostgres, openRedisCallStore, openRedisPresence, openRedisRouteTable, openRedisSharedBuckets, openS3BlobStore } from './real-adapters';

/** Which real systems a mesh process talks to. */
export interface MeshParts {
  sql?: { migrations: Migration[] };
  log?: boolean;
  messages?: boolean;
  presence?: boolean;
  routes?: boolean;
  /** Call signaling state (the gateway). */
  calls?: boolean;
  /** Sign-in limits shared by every gateway (Redis). */
  limits?: boolean;
  /** The attachments bucket (S3). */
  blobs?: boolean;
}

interface Closable {
  name: string;
  close(): Promise<void>;
  healthy(): Promise<boolean>;
}

/** Closes this process's clients after every consumer and server has stopped. */
@Injectable()
class MeshInfraCloser implements OnApplicationShutdown {
  constructor(@Inject('MESH_CLOSABLES') private readonly closables: Closable[]) {}

  async onApplicationShutdown(): Promise<void> {
    for (const c of [...this.closables].reverse()) await c.close().catch(() => undefined);
  }
}

/**
 * A mesh process's adapters: only the systems it needs, real servers on loopback (or wherever
 * the config points). Each part also becomes a readiness check.
 */
@Global()
@Module({})
export class MeshInfraModule {
  static forRoot(config: ParleyConfig, service: string, parts: MeshParts): DynamicModule {
    const logger = createLogger(`parley-${service}`, config.logLevel);
    const metrics = new Metrics({ service });
    const closables: Closable[] = [];
    const track = <T extends { close(): Promise<void>; healthy(): Promise<boolean> }>(name: string, adapter: T): T => {
      closables.push({ name, close: () => adapter.close(), healthy: () => adapter.healthy() });
      return adapter;
    };
    const providers: DynamicModule['providers'] = [
      { provide: CONFIG, useValue: config },
      { provide: LOGGER, useValue: logger },
      { provide: METRICS, useValue: metrics },
      { provide: 'MESH_CLOSABLES', useValue: closables },
      MeshInfraCloser,
    ];
    const exported: Array<string | symbol> = [CONFIG, LOGGER, METRICS];
    const sql = parts.sql;
    if (sql) {
      providers.push({
        provide: SQL_DB,
        useFactory: async () => {
          const db = track('postgres', openPostgres(config, logger));
          if (config.schemaSetup === 'verify') {
            const pending = await pendingMigrations(db, sql.migrations);
            if (pending.length > 0) throw new Error(`postgres migrations not applied: ${pending.join(', ')} (run the setup job, or PARLEY_SCHEMA_SETUP=create)`);
            return db;
          }
          const applied = await runMigrations(db, sql.migrations);
          if (applied.length > 0) logger.info('migrations applied', { applied });
          return db;
        },
      });
      exported.push(SQL_DB);
    }
    if (parts.log) {
      providers.push({ provide: EVENT_LOG, useFactory: async () => new TracedEventLog(track('kafka', await openKafkaEventLog(config, logger)), metrics) });
      exported.push(EVENT_LOG);
    }
    if (parts.messages) {
      providers.push({ provide: MESSAGE_STORE, useFactory: async () => track('cassandra', await openCassandraMessageStore(config, logger)) });
      exported.push(MESSAGE_STORE);
    }
    if (parts.presence) {
      providers.push({ provide: PRESENCE_STORE, useFactory: async () => track('redis-presence', await openRedisPresence(config, logger)) });
      exported.push(PRESENCE_STORE);
    }
    if (parts.routes) {
      providers.push({ provide: ROUTE_TABLE, useFactory: async () => track('redis-routes', await openRedisRouteTable(config, logger)) });
      exported.push(ROUTE_TABLE);
    }
    if (parts.calls) {
      providers.push({ provide: CALL_STORE, useFactory: async () => track('redis-calls', await openRedisCallStore(config, logger)) });
      exported.push(CALL_STORE);
    }
    if (parts.limits) {
      providers.push({ provide: SHARED_BUCKETS, useFactory: async () => track('redis-limits', await openRedisSharedBuckets(config, logger)) });
      exported.push(SHARED_BUCKETS);
    }
    if (parts.blobs) {
      providers.push({ provide: BLOB_STORE, useFactory: async () => track('s3', await openS3BlobStore(config, logger)) });
      exported.push(BLOB_STORE);
    }
    // Resolved after the adapters above (it injects them), so `closables` is filled by then.
    const adapterTokens = exported.filter((t) => t !== CONFIG && t !== LOGGER && t !== METRICS);
    providers.push({
      provide: READINESS_CHECKS,
      inject: adapterTokens,
      useFactory: (): ReadinessCheck[] => closables.map((c) => ({ name: c.name, check: () => c.healthy() })),
    });
    exported.push(READINESS_CHECKS);
    return { module: MeshInfraModule, providers, exports: exported };
  }
}
