import { BeforeApplicationShutdown, DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap } from '@nestjs/common';
import { ParleyConfig } from '@parley/config';
import { LargeGroupPolicy } from '@parley/domain';
import { Logger, LOGGER, Metrics, METRICS } from '@parley/observability';
import {
  AUTH_API, AuthApi, Consumer, ConversationEvent, EVENT_LOG, EventLog, MEMBERSHIP_DIRECTORY, MembershipDirectory, PRESENCE_STORE, PresenceStore, PUSH_API, PUSH_PROVIDERS,
  PushProviders, SQL_DB, SqlDb, Topics,
} from '@parley/ports';
import { DispatcherOptions, PushDispatcher } from './delivery/push-dispatcher';
import { PushMetrics } from './delivery/push-metrics';
import { NOTIFICATION_GROUP, PushEventsConsumer } from './push-events.consumer';
import { PushSettingsService } from './settings/push-settings.service';
import { PushOutboxRepository } from './storage/push-outbox.repository';

export interface NotificationOptions {
  policy: LargeGroupPolicy;
  dispatcher: Omit<DispatcherOptions, 'pollMs' | 'batch' | 'maxInFlight' | 'leaseMs' | 'ledgerMaxAgeMs'> & Partial<DispatcherOptions>;
  outboxMax: number;
}

export function notificationOptionsFrom(config: ParleyConfig): NotificationOptions {
  const p = config.push;
  return {
    policy: config.largeGroup,
    outboxMax: p.outboxMax,
    dispatcher: {
      coalesceMs: p.coalesceMs,
      maxAttempts: p.maxAttempts,
      backoffBaseMs: p.backoffBaseMs,
      backoffMaxMs: p.backoffMaxMs,
      breakerThreshold: p.breakerThreshold,
      breakerOpenMs: p.breakerOpenMs,
    },
  };
}

const NOTIFICATION_OPTIONS = Symbol('NotificationOptions');

/** Consumes the events topic into the outbox and runs the dispatcher, from boot to shutdown. */
@Injectable()
export class NotificationRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: Consumer | null = null;
  private readonly handler: PushEventsConsumer;
  readonly dispatcher: PushDispatcher;

  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLog,
    @Inject(MEMBERSHIP_DIRECTORY) members: MembershipDirectory,
    @Inject(PRESENCE_STORE) presence: PresenceStore,
    @Inject(SQL_DB) db: SqlDb,
    @Inject(AUTH_API) auth: AuthApi,
    @Inject(PUSH_PROVIDERS) providers: PushProviders,
    @Inject(PUSH_API) settings: PushSettingsService,
    @Inject(METRICS) metrics: Metrics,
    @Inject(LOGGER) logger: Logger,
    @Inject(NOTIFICATION_OPTIONS) options: NotificationOptions,
  ) {
    const pushMetrics = new PushMetrics(metrics);
    const { dispatcher: d } = options;
    const relational = db.relational();
    this.handler = new PushEventsConsumer(members, presence, relational, settings, pushMetrics, { policy: options.policy, coalesceMs: d.coalesceMs, outboxMax: options.outboxMax });
    this.dispatcher = new PushDispatcher(relational, new PushOutboxRepository(relational), members, auth, providers, pushMetrics, logger.child({ component: 'push' }), {
      pollMs: 200,
      batch: 100,
      maxInFlight: 400,
      leaseMs: 5 * 60_000,
      ledgerMaxAgeMs: 3600_000,
      ...d,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = await this.log.consume<ConversationEvent>({
      group: NOTIFICATION_GROUP,
      topic: Topics.events,
      fromBeginning: false,
      maxBatch: 200,
      handleBatch: (records) => this.handler.handleBatch(records),
    });
    this.dispatcher.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = null;
    await this.dispatcher.stop();
  }
}

/**
 * The notification service. Needs SQL_DB (notificationMigrations), EVENT_LOG, PRESENCE_STORE,
 * MEMBERSHIP_DIRECTORY, AUTH_API and PUSH_PROVIDERS from the composition root; exports PUSH_API.
 */
@Module({})
export class NotificationModule {
  static register(options: NotificationOptions): DynamicModule {
    return {
      module: NotificationModule,
      global: true,
      providers: [
        { provide: NOTIFICATION_OPTIONS, useValue: options },
        { provide: PUSH_API, inject: [SQL_DB], useFactory: (db: SqlDb) => new PushSettingsService(db.relational()) },
        NotificationRunner,
      ],
      exports: [PUSH_API],
    };
  }
}
