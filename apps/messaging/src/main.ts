import './tracing';
import { Module } from '@nestjs/common';
import { loadConfig } from '@parley/config';
import { ConversationService, messagingMigrations, MessagingModule } from '@parley/messaging-service';
import { createLogger, Logger, LOGGER } from '@parley/observability';
import { serveConversations, startGrpcServer } from '@parley/rpc';
import { MeshInfraModule, RpcClientsModule, runProcess } from '@parley/runtime';

/**
 * The messaging process: the ingress sequencer (Kafka consumer group, one owner per partition),
 * conversations and read markers (Postgres), messages (Cassandra/ScyllaDB); serves gRPC `Conversations`.
 * Run several: partitions are split among them and move on failure (docs/adr/0003).
 */
const config = loadConfig();
const listen = config.grpc.messaging.split(',')[0].trim();

@Module({
  imports: [
    MeshInfraModule.forRoot(config, 'messaging', { sql: { migrations: messagingMigrations }, log: true, messages: true }),
    RpcClientsModule.forRoot(config, { auth: true }),
    MessagingModule.register({ largeGroup: config.largeGroup, runSequencer: true, claimWindowHours: config.messaging.claimWindowHours, anonRejoinWindowSeconds: config.messaging.anonRejoinWindowSeconds }),
  ],
})
class MessagingProcessModule {}

void runProcess('messaging', { module: MessagingProcessModule }, createLogger('parley-messaging', config.logLevel), async (app) => {
  const grpc = await startGrpcServer(listen, (server) => serveConversations(server, app.get(ConversationService), { logger: app.get<Logger>(LOGGER) }), config.grpc.tls ? { tls: config.grpc.tls } : {});
  return () => grpc.close();
});
