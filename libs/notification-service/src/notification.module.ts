import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { LargeGroupPolicy } from '@parley/domain';
import { Consumer, ConversationEvent, EVENT_LOG, EventLog, MEMBERSHIP_DIRECTORY, MembershipDirectory, PRESENCE_STORE, PresenceStore, SQL_DB, SqlDb, Topics } from '@parley/ports';
import { MessageCreatedConsumer, NOTIFICATION_GROUP } from './message-created.consumer';

@Injectable()
export class NotificationRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: Consumer | null = null;
  private readonly handler: MessageCreatedConsumer;

  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLog,
    @Inject(MEMBERSHIP_DIRECTORY) members: MembershipDirectory,
    @Inject(PRESENCE_STORE) presence: PresenceStore,
    @Inject(SQL_DB) db: SqlDb,
    @Inject('NOTIFICATION_POLICY') policy: LargeGroupPolicy,
  ) {
    this.handler = new MessageCreatedConsumer(members, presence, db, policy);
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
