import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { loadConfig } from '@parley/config';
import { GatewayModule, GatewayServer } from '@parley/gateway-service';
import { createLogger } from '@parley/observability';
import { serveGatewayDelivery, startGrpcServer } from '@parley/rpc';
import { MeshInfraModule, RpcClientsModule, runProcess } from '@parley/runtime';

/**
 * The gateway process: the only public port (REST, WebSocket, health, metrics, the page). Its id
 * is its fanout delivery address, registered in the route table per conversation.
 */
const config = loadConfig();
const gatewayId = config.grpc.gatewayDelivery;

@Module({
  imports: [
    MeshInfraModule.forRoot(config, 'gateway', { log: true, routes: true }),
    RpcClientsModule.forRoot(config, { auth: true, conversations: true, presence: true }),
    GatewayModule.register({
      gatewayId,
      host: config.host,
      port: config.port,
      webDir: config.webDir || join(__dirname, '..', '..', '..', 'web'),
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      heartbeatMs: config.gateway.heartbeatMs,
      maxBufferedBytes: config.gateway.maxBufferedBytes,
      maxInvalidFrames: config.gateway.maxInvalidFrames,
      restSendTimeoutMs: config.gateway.restSendTimeoutMs,
      sendRatePerSecond: config.gateway.sendRatePerSecond,
      routeTtlMs: config.presence.connectionTtlMs,
      largeGroup: config.largeGroup,
    }),
  ],
})
class GatewayProcessModule {}

void runProcess('gateway', { module: GatewayProcessModule }, createLogger('parley-gateway', config.logLevel), async (app) => {
  const grpc = await startGrpcServer(gatewayId, (server) => serveGatewayDelivery(server, app.get(GatewayServer).delivery));
  return () => grpc.close();
});
