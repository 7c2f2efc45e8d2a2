import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { ParleyConfig } from '@parley/config';
import { AUTH_API, CONVERSATION_API, GATEWAY_DELIVERY, MEMBERSHIP_DIRECTORY, PRESENCE_API, PUSH_API, USER_DIRECTORY } from '@parley/ports';
import { GrpcAuthClient, GrpcConversationsClient, GrpcGatewayDeliveryClient, GrpcNotificationsClient, GrpcPresenceClient } from '@parley/rpc';

/** The other services this process calls over gRPC. */
export interface RpcPeers {
  auth?: boolean;
  conversations?: boolean;
  presence?: boolean;
  gatewayDelivery?: boolean;
  notifications?: boolean;
}

@Injectable()
class RpcClientsCloser implements OnApplicationShutdown {
  constructor(@Inject('RPC_CLIENTS') private readonly clients: Array<{ close(): void | Promise<void> }>) {}

  async onApplicationShutdown(): Promise<void> {
    for (const c of this.clients) await c.close();
  }
}

/** Binds the service ports to gRPC clients, so a service module cannot tell it is not in-process. */
@Global()
@Module({})
export class RpcClientsModule {
  static forRoot(config: ParleyConfig, peers: RpcPeers): DynamicModule {
    const clients: Array<{ close(): void | Promise<void> }> = [];
    const providers: DynamicModule['providers'] = [{ provide: 'RPC_CLIENTS', useValue: clients }, RpcClientsCloser];
    const exported: symbol[] = [];
    const tls = config.grpc.tls ? { tls: config.grpc.tls } : {};
    if (peers.auth) {
      const c = new GrpcAuthClient(config.grpc.auth, tls);
      clients.push(c);
      providers.push({ provide: AUTH_API, useValue: c }, { provide: USER_DIRECTORY, useValue: c });
      exported.push(AUTH_API, USER_DIRECTORY);
    }
    if (peers.conversations) {
      const c = new GrpcConversationsClient(replicasTarget(config.grpc.messaging), tls);
      clients.push(c);
      providers.push({ provide: CONVERSATION_API, useValue: c }, { provide: MEMBERSHIP_DIRECTORY, useValue: c });
      exported.push(CONVERSATION_API, MEMBERSHIP_DIRECTORY);
    }
    if (peers.presence) {
      const c = new GrpcPresenceClient(config.grpc.presence, tls);
      clients.push(c);
      providers.push({ provide: PRESENCE_API, useValue: c });
      exported.push(PRESENCE_API);
    }
    if (peers.gatewayDelivery) {
      const c = new GrpcGatewayDeliveryClient({ deadlineMs: 2000, ...tls });
      clients.push(c);
      providers.push({ provide: GATEWAY_DELIVERY, useValue: c });
      exported.push(GATEWAY_DELIVERY);
    }
    if (peers.notifications) {
      const c = new GrpcNotificationsClient(config.grpc.notification, tls);
      clients.push(c);
      providers.push({ provide: PUSH_API, useValue: c });
      exported.push(PUSH_API);
    }
    return { module: RpcClientsModule, providers, exports: exported };
  }
}

/** `a:1,b:2` (replicas) becomes a gRPC `ipv4:` target: the channel fails over between them. */
export function replicasTarget(addresses: string): string {
  const list = addresses.split(',').map((s) => s.trim()).filter(Boolean);
  return list.length > 1 ? `ipv4:${list.join(',')}` : list[0];
}
