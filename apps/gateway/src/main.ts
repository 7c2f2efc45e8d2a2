import './tracing';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { loadConfig } from '@parley/config';
import { GatewayModule, gatewayOptionsFrom, GatewayServer } from '@parley/gateway-service';
import { createLogger, Logger, LOGGER } from '@parley/observability';
import { serveGatewayDelivery, startGrpcServer } from '@parley/rpc';
import { MeshInfraModule, RpcClientsModule, runProcess } from '@parley/runtime';

/**
 * The gateway process: the only public port (REST, WebSocket, health, the page); /metrics on its
 * admin port (PARLEY_ADMIN_PORT). Its id
 * is its fanout delivery address, registered in the route table per conversation.
 */
const config = loadConfig();
const gatewayId = config.grpc.gatewayDelivery;

@Module({
  imports: [
    MeshInfraModule.forRoot(config, 'gateway', { log: true, routes: true, calls: true, limits: true, blobs: true }),
    RpcClientsModule.forRoot(config, { auth: true, conversations: true, presence: true, notifications: true }),
    GatewayModule.register(gatewayOptionsFrom(config, gatewayId, config.webDir || join(__dirname, '..', '..', '..', 'web'))),
  ],
})
class GatewayProcessModule {}

void runProcess('gateway', { module: GatewayProcessModule }, createLogger('parley-gateway', config.logLevel), async (app) => {
  const grpc = await startGrpcServer(gatewayId, (server) => serveGatewayDelivery(server, app.get(GatewayServer).delivery, { logger: app.get<Logger>(LOGGER) }), config.grpc.tls ? { tls: config.grpc.tls } : {});
  return () => grpc.close();
}, { drain: { run: (app) => app.get(GatewayServer).drain(), drainMs: config.gateway.drainMs } });
