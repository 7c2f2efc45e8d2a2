import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { LargeGroupPolicy } from '@parley/domain';
import { Consumer, ConversationEvent, EVENT_LOG, EventLog, MEMBERSHIP_DIRECTORY, MembershipDirectory, PRESENCE_STORE, PresenceStore, SQL_DB, SqlDb, Topics } from '@parley/ports';
import { Metrics, METRICS } from '@parley/observability';
import { MessageCreatedConsumer, NOTIFICATION_GROUP } from './message-created.consumer';

@Injectable()
export class NotificationRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: Consumer | null = null;
  private readonly handler: Pick<MessageCreatedConsumer, 'handleBatch'>;

  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLog,
    @Inject(MEMBERSHIP_DIRECTORY) members: MembershipDirectory,
    @Inject(PRESENCE_STORE) presence: PresenceStore,
    @Inject(SQL_DB) db: SqlDb,
    @Inject('NOTIFICATION_POLICY') policy: LargeGroupPolicy,
    @Inject(METRICS) metrics: Metrics,
  ) {
    const queued = metrics.counter('parley_notification_pushes_queued_total', 'pushes queued for offline members (push_outbox rows)');
    const messages = metrics.counter('parley_notification_messages_total', 'message.created events the notification consumer handled');
    const consumer = new MessageCreatedConsumer(members, presence, db, policy, (n) => queued.inc(n));
    this.handler = {
      handleBatch: async (records) => {
        await consumer.handleBatch(records);
        messages.inc(records.filter((r) => r.value.type === 'message.created').length);
      },
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = await this.log.consume<ConversationEvent>({
      group: NOTIFICATION_GROUP,
      topic: Topics.events,
      fromBeginning: false,
      maxBatch: 200,
      handleBatch: (records) => this.handler.handleBatch(records),
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = null;
  }
}

@Module({})
export class NotificationModule {
  static register(policy: LargeGroupPolicy): DynamicModule {
    return { module: NotificationModule, providers: [{ provide: 'NOTIFICATION_POLICY', useValue: policy }, NotificationRunner] };
  }
}
