import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { LargeGroupPolicy } from '@parley/domain';
import { Consumer, CONVERSATION_API, EVENT_LOG, EventLog, IngressSend, MEMBERSHIP_DIRECTORY, MESSAGE_STORE, MessageStore, SQL_DB, SqlDb, Topics, USER_DIRECTORY, UserDirectory } from '@parley/ports';
import { ConversationService } from './conversation.service';
import { ConversationSequencer, SEQUENCER_GROUP } from './sequencer/conversation-sequencer';
import { ConversationRepository } from './storage/conversation.repository';
import { SendClaimsRepository } from './storage/send-claims.repository';
import { countStoreReads } from './storage/store-reads';
import { Metrics, METRICS } from '@parley/observability';

export interface MessagingOptions {
  largeGroup: LargeGroupPolicy;
  /** Run the ingress sequencer in this process (false for a query-only replica). */
  runSequencer: boolean;
}

export const MESSAGING_OPTIONS = Symbol('MessagingOptions');

/** Owns the sequencer's consumer lifecycle: starts after boot, stops (finishing its batch) on shutdown. */
@Injectable()
export class SequencerRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: Consumer | null = null;
  readonly sequencer: ConversationSequencer;

  constructor(
    @Inject(SQL_DB) db: SqlDb,
    @Inject(MESSAGE_STORE) messages: MessageStore,
    @Inject(EVENT_LOG) private readonly log: EventLog,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
    @Inject(METRICS) metrics: Metrics,
  ) {
    const malformed = metrics.counter('parley_messaging_malformed_ingress_total', 'ingress records that were not sends');
    const reads = countStoreReads(metrics);
    const writes = metrics.histogram('parley_messaging_store_write_duration_seconds', 'message store writes by the sequencer', [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]);
    this.sequencer = new ConversationSequencer(new ConversationRepository(db), new SendClaimsRepository(db), messages, log, {
      onMalformed: () => malformed.inc(),
      onStoreRead: (op) => reads.count(op),
      onStoreWrite: (seconds) => writes.observe(seconds),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.runSequencer) return;
    this.consumer = await this.log.consume<IngressSend>({
      group: SEQUENCER_GROUP,
      topic: Topics.ingress,
      fromBeginning: true,
      maxBatch: 200,
      handleBatch: (records) => this.sequencer.handleBatch(records),
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = null;
  }
}

@Module({})
export class MessagingModule {
  static register(options: MessagingOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [
        { provide: MESSAGING_OPTIONS, useValue: options },
        {
          provide: ConversationService,
          inject: [SQL_DB, MESSAGE_STORE, USER_DIRECTORY, EVENT_LOG, METRICS],
          useFactory: (db: SqlDb, messages: MessageStore, users: UserDirectory, log: EventLog, metrics: Metrics) =>
            new ConversationService(db, messages, users, log, options.largeGroup, countStoreReads(metrics)),
        },
        { provide: CONVERSATION_API, useExisting: ConversationService },
        { provide: MEMBERSHIP_DIRECTORY, useExisting: ConversationService },
        SequencerRunner,
      ],
      exports: [CONVERSATION_API, MEMBERSHIP_DIRECTORY],
    };
  }
}
