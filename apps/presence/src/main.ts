import './tracing';
import { Module } from '@nestjs/common';
import { loadConfig } from '@parley/config';
import { createLogger, Logger, LOGGER } from '@parley/observability';
import { PRESENCE_API, PresenceApi } from '@parley/ports';
import { presenceMigrations, PresenceModule } from '@parley/presence-service';
import { servePresence, startGrpcServer } from '@parley/rpc';
import { MeshInfraModule, runProcess } from '@parley/runtime';

/** The presence process: connections, online state and routes (Redis), last seen (Postgres); serves gRPC `Presence`. */
const config = loadConfig();

@Module({
  imports: [
    MeshInfraModule.forRoot(config, 'presence', { sql: { migrations: presenceMigrations }, log: true, presence: true, routes: true }),
    PresenceModule.register({ connectionTtlMs: config.presence.connectionTtlMs }),
  ],
})
class PresenceProcessModule {}

void runProcess('presence', { module: PresenceProcessModule }, createLogger('parley-presence', config.logLevel), async (app) => {
  const grpc = await startGrpcServer(config.grpc.presence, (server) => servePresence(server, app.get<PresenceApi>(PRESENCE_API), { logger: app.get<Logger>(LOGGER) }), config.grpc.tls ? { tls: config.grpc.tls } : {});
  return () => grpc.close();
});
