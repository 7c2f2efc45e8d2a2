import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { Logger, LOGGER, Metrics, METRICS } from '@parley/observability';
import { BLOB_STORE, BlobStore, CALL_STORE, CallStore, READINESS_CHECKS, ReadinessCheck, AUTH_API, AuthApi, CONVERSATION_API, ConversationApi, EVENT_LOG, EventLog, GATEWAY_DELIVERY, PRESENCE_API, PresenceApi, PUSH_API, PushApi, ROUTE_TABLE, RouteTable, SHARED_BUCKETS, SharedBuckets, USER_DIRECTORY, UserDirectory } from '@parley/ports';
import { GATEWAY_OPTIONS, GatewayOptions } from './gateway.options';
import { GatewayServer } from './gateway.server';

/** Listens once every module is up; on shutdown stops accepting and closes sockets first. */
@Injectable()
export class GatewayLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly server: GatewayServer,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.server.listen();
    this.logger.info('gateway listening', { host: this.options.host, port: this.options.port, gateway_id: this.options.gatewayId });
  }

  beforeApplicationShutdown(): void {
    this.server.close();
  }
}

@Module({})
export class GatewayModule {
  static register(options: GatewayOptions): DynamicModule {
    return {
      module: GatewayModule,
      global: true,
      providers: [
        { provide: GATEWAY_OPTIONS, useValue: options },
        {
          provide: GatewayServer,
          // CALL_STORE and SHARED_BUCKETS: the mesh provides Redis; standalone provides none (in memory).
          inject: [AUTH_API, USER_DIRECTORY, CONVERSATION_API, PRESENCE_API, PUSH_API, ROUTE_TABLE, EVENT_LOG, READINESS_CHECKS, LOGGER, METRICS, { token: CALL_STORE, optional: true }, BLOB_STORE, { token: SHARED_BUCKETS, optional: true }],
          useFactory: (auth: AuthApi, users: UserDirectory, conversations: ConversationApi, presence: PresenceApi, push: PushApi, routes: RouteTable, log: EventLog, readiness: ReadinessCheck[], logger: Logger, metrics: Metrics, calls: CallStore | undefined, blobs: BlobStore, limits: SharedBuckets | undefined) =>
            new GatewayServer({ options, auth, users, conversations, presence, push, routes, log, readiness, logger: logger.child({ component: 'gateway' }), metrics, blobs, ...(calls ? { calls } : {}), ...(limits ? { limits } : {}) }),
        },
        { provide: GATEWAY_DELIVERY, inject: [GatewayServer], useFactory: (s: GatewayServer) => s.delivery },
        GatewayLifecycle,
      ],
      exports: [GATEWAY_DELIVERY, GatewayServer],
    };
  }
}
