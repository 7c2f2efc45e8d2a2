import { Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { loadConfig } from '@parley/config';
import { notificationMigrations, NotificationModule, notificationOptionsFrom } from '@parley/notification-service';
import { createLogger, Logger, LOGGER } from '@parley/observability';
import { PUSH_API, PUSH_PROVIDERS, PushApi, SQL_DB, SqlDb } from '@parley/ports';
import { serveNotifications, startGrpcServer } from '@parley/rpc';
import { MeshInfraModule, openPushProviders, RpcClientsModule, runProcess } from '@parley/runtime';

/**
 * The notification process: consumes conversation events into the push outbox, sends pushes
 * through the configured providers, and serves gRPC `Notifications` (devices and settings).
 */
const config = loadConfig();

@Injectable()
class PushProvidersCloser implements OnApplicationShutdown {
  constructor(@Inject(PUSH_PROVIDERS) private readonly providers: ReturnType<typeof openPushProviders>) {}

  async onApplicationShutdown(): Promise<void> {
    await this.providers.closeAll();
  }
}

@Module({
  imports: [
    MeshInfraModule.forRoot(config, 'notification', { sql: { migrations: notificationMigrations }, log: true, presence: true }),
    RpcClientsModule.forRoot(config, { conversations: true, auth: true }),
    NotificationModule.register(notificationOptionsFrom(config)),
  ],
  providers: [
    { provide: PUSH_PROVIDERS, inject: [SQL_DB, LOGGER], useFactory: (db: SqlDb, logger: Logger) => openPushProviders(config.push, db, logger.child({ component: 'push' })) },
    PushProvidersCloser,
  ],
  exports: [PUSH_PROVIDERS],
})
class NotificationProcessModule {}

void runProcess('notification', { module: NotificationProcessModule }, createLogger('parley-notification', config.logLevel), async (app) => {
  const grpc = await startGrpcServer(config.grpc.notification, (server) => serveNotifications(server, app.get<PushApi>(PUSH_API), { logger: app.get<Logger>(LOGGER) }));
  return () => grpc.close();
});
