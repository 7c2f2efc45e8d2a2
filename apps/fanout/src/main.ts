import './tracing';
import { Module } from '@nestjs/common';
import { loadConfig } from '@parley/config';
import { FanoutModule } from '@parley/fanout-service';
import { createLogger } from '@parley/observability';
import { MeshInfraModule, RpcClientsModule, runProcess } from '@parley/runtime';

/** The fanout process: consumes conversation events, sends one copy per gateway over gRPC. Stateless. */
const config = loadConfig();

@Module({
  imports: [
    MeshInfraModule.forRoot(config, 'fanout', { log: true, presence: true, routes: true }),
    RpcClientsModule.forRoot(config, { gatewayDelivery: true }),
    FanoutModule,
  ],
})
class FanoutProcessModule {}

void runProcess('fanout', { module: FanoutProcessModule }, createLogger('parley-fanout', config.logLevel));
