import './tracing';
import { Module } from '@nestjs/common';
import { loadConfig } from '@parley/config';
import { notificationMigrations, NotificationModule, notificationOptionsFrom } from '@parley/notification-service';
import { createLogger, Logger, LOGGER } from '@parley/observability';
import { PUSH_API, PushApi } from '@parley/ports';
import { serveNotifications, startGrpcServer } from '@parley/rpc';
import { MeshInfraModule, PushProvidersModule, RpcClientsModule, runProcess } from '@parley/runtime';

/**
 * The notification process: consumes conversation events into the push outbox, sends pushes
 * through the configured providers, and serves gRPC `Notifications` (devices and settings).
 */
const config = loadConfig();

@Module({
  imports: [
    MeshInfraModule.forRoot(config, 'notification', { sql: { migrations: notificationMigrations }, log: true, presence: true }),
    RpcClientsModule.forRoot(config, { conversations: true, auth: true }),
    PushProvidersModule.forRoot(config.push),
    NotificationModule.register(notificationOptionsFrom(config)),
  ],
})
class NotificationProcessModule {}

void runProcess('notification', { module: NotificationProcessModule }, createLogger('parley-notification', config.logLevel), async (app) => {
  const grpc = await startGrpcServer(config.grpc.notification, (server) => serveNotifications(server, app.get<PushApi>(PUSH_API), { logger: app.get<Logger>(LOGGER) }), config.grpc.tls ? { tls: config.grpc.tls } : {});
  return () => grpc.close();
});
