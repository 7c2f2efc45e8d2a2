import './tracing';
import { Module } from '@nestjs/common';
import { loadConfig } from '@parley/config';
import { notificationMigrations, NotificationModule } from '@parley/notification-service';
import { createLogger } from '@parley/observability';
import { MeshInfraModule, RpcClientsModule, runProcess } from '@parley/runtime';

/** The notification process: consumes conversation events, records pushes for offline members. */
const config = loadConfig();

@Module({
  imports: [
    MeshInfraModule.forRoot(config, 'notification', { sql: { migrations: notificationMigrations }, log: true, presence: true }),
    RpcClientsModule.forRoot(config, { conversations: true }),
    NotificationModule.register(config.largeGroup),
  ],
})
class NotificationProcessModule {}

void runProcess('notification', { module: NotificationProcessModule }, createLogger('parley-notification', config.logLevel));
