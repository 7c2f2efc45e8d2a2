import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Logger, LOGGER, Metrics, METRICS } from '@parley/observability';
import { EVENT_LOG, EventLog, PRESENCE_API, PRESENCE_STORE, PresenceStore, ROUTE_TABLE, RouteTable, SQL_DB, SqlDb } from '@parley/ports';
import { PresenceOptions, PresenceService } from './presence.service';

/** Runs the expiry sweep: a crashed gateway's users go offline within ttl + one sweep interval. */
@Injectable()
export class PresenceSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly presence: PresenceService,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject('PRESENCE_OPTIONS') private readonly options: PresenceOptions,
  ) {}

  onApplicationBootstrap(): void {
    const every = Math.max(500, Math.floor(this.options.connectionTtlMs / 3));
    this.timer = setInterval(() => {
      this.presence.sweep().catch((err: unknown) => this.logger.warn('presence sweep failed', { err }));
    }, every);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

@Module({})
export class PresenceModule {
  static register(options: PresenceOptions): DynamicModule {
    return {
      module: PresenceModule,
      global: true,
      providers: [
        { provide: 'PRESENCE_OPTIONS', useValue: options },
        {
          provide: PresenceService,
          inject: [PRESENCE_STORE, ROUTE_TABLE, SQL_DB, EVENT_LOG, METRICS],
          useFactory: (store: PresenceStore, routes: RouteTable, db: SqlDb, log: EventLog, metrics: Metrics) => {
            const connections = metrics.counter('parley_presence_connection_events_total', 'sockets reported connected or disconnected by gateways', ['event']);
            const transitions = metrics.counter('parley_presence_transitions_total', 'users going online or offline, by cause (socket, sweep of a silent gateway)', ['status', 'cause']);
            return new PresenceService(store, routes, db.relational(), log, options, {
              onConnection: (event) => connections.inc({ event }),
              onTransition: (status, cause) => transitions.inc({ status, cause }),
            });
          },
        },
        { provide: PRESENCE_API, useExisting: PresenceService },
        PresenceSweeper,
      ],
      exports: [PRESENCE_API],
    };
  }
}
