import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { LargeGroupPolicy, mentionedUsernames } from '@parley/domain';
import { ADMIN_ROUTES, Consumer, CONVERSATION_API, EVENT_LOG, EventLog, IngressSend, MEMBERSHIP_DIRECTORY, MESSAGE_STORE, MessageStore, SQL_DB, SqlDb, Topics, USER_DIRECTORY, UserDirectory } from '@parley/ports';
import { ConversationService } from './conversation.service';
import { ConversationSequencer, MentionResolver, SEQUENCER_GROUP } from './sequencer/conversation-sequencer';
import { ConversationRepository } from './storage/conversation.repository';
import { SendClaimsRepository } from './storage/send-claims.repository';
import { LifecycleOps } from './sequencer/lifecycle-ops';
import { LifecycleRepository } from './storage/lifecycle.repository';
import { ModerationRepository } from './moderation/moderation.repository';
import { countStoreReads } from './storage/store-reads';
import { Logger, LOGGER, Metrics, METRICS } from '@parley/observability';
import { SearchProjectionRunner } from './search/search-projection.runner';
import { SEARCH_PROJECTION_OPTIONS } from './search/search-projection.options';
import { participantAdminRoute } from './anonymous/participant-admin.route';
import { ParticipantsRepository } from './anonymous/participants.repository';

export interface MessagingOptions {
  largeGroup: LargeGroupPolicy;
  /** Run the ingress sequencer in this process (false for a query-only replica). */
  runSequencer: boolean;
  /** Claims older than this move to their compact form (SendClaimsRepository.compact). */
  claimWindowHours: number;
  /** Issue 14: how long a member who left an anonymous group keeps their pseudonym (docs/adr/0016; default 300). */
  anonRejoinWindowSeconds?: number;
}

/** How often the sequencer compacts old claims, and how many rows one statement moves. */
const COMPACT_EVERY_MS = 15 * 60_000;
const COMPACT_BATCH = 5000;

/** `@username` → user id, kept only for members of the conversation (at most MAX_MENTIONS lookups). */
function mentionResolver(users: UserDirectory, repo: ConversationRepository): MentionResolver {
  return async (conversationId, text) => {
    const ids: string[] = [];
    for (const name of mentionedUsernames(text)) {
      const user = await users.findByUsername(name);
      if (!user || ids.includes(user.id)) continue;
      const m = await repo.membership(conversationId, user.id);
      // An anonymous member is never found by their username (docs/adr/0016): that would name them.
      if (m && !m.participant_id) ids.push(user.id);
    }
    return ids;
  };
}

export const MESSAGING_OPTIONS = Symbol('MessagingOptions');

/** Owns the sequencer's consumer lifecycle: starts after boot, stops (finishing its batch) on shutdown. */
@Injectable()
export class SequencerRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: Consumer | null = null;
  private compactTimer: NodeJS.Timeout | null = null;
  private compacting: Promise<void> | null = null;
  private readonly claims: SendClaimsRepository;
  readonly sequencer: ConversationSequencer;

  constructor(
    @Inject(SQL_DB) db: SqlDb,
    @Inject(MESSAGE_STORE) messages: MessageStore,
    @Inject(EVENT_LOG) private readonly log: EventLog,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
    @Inject(METRICS) metrics: Metrics,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(USER_DIRECTORY) users: UserDirectory,
  ) {
    const malformed = metrics.counter('parley_messaging_malformed_ingress_total', 'ingress records that were not sends');
    const reads = countStoreReads(metrics);
    const relational = db.relational();
    const repo = new ConversationRepository(db);
    const writes = metrics.histogram('parley_messaging_store_write_duration_seconds', 'message store writes by the sequencer (one batch of a conversation)', [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]);
    const claimBatches = metrics.histogram('parley_messaging_sequencer_batch_sends', 'sends of one conversation the sequencer claims and stores together', [1, 2, 5, 10, 20, 50, 100, 200]);
    this.claims = new SendClaimsRepository(db);
    const mentions = mentionResolver(users, repo);
    const ops = new LifecycleOps(repo, this.claims, new LifecycleRepository(relational), messages, options.largeGroup, mentions, new ModerationRepository(relational));
    this.sequencer = new ConversationSequencer(repo, this.claims, messages, log, {
      onMalformed: () => malformed.inc(),
      onStoreRead: (op) => reads.count(op),
      onStoreWrite: (seconds) => writes.observe(seconds),
      onClaimBatch: (sends) => claimBatches.observe(sends),
    }, mentions, ops);
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
    this.compactTimer = setInterval(() => void this.compact(), COMPACT_EVERY_MS);
    this.compactTimer.unref();
    void this.compact();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.compactTimer) clearInterval(this.compactTimer);
    this.compactTimer = null;
    await this.consumer?.stop();
    this.consumer = null;
    await this.compacting;
  }

  /** Moves claims past the claim window to their compact form; one run at a time, failures logged. */
  compact(): Promise<void> {
    this.compacting ??= (async () => {
      try {
        const before = new Date(Date.now() - this.options.claimWindowHours * 3_600_000).toISOString();
        const moved = await this.claims.compact(before, COMPACT_BATCH);
        if (moved > 0) this.logger.info('send claims compacted', { moved });
      } catch (err) {
        this.logger.warn('send claims compaction failed, retried next interval', { err });
      } finally {
        this.compacting = null;
      }
    })();
    return this.compacting;
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
            new ConversationService(db, messages, users, log, options.largeGroup, countStoreReads(metrics), options.anonRejoinWindowSeconds ?? 300),
        },
        { provide: CONVERSATION_API, useExisting: ConversationService },
        { provide: MEMBERSHIP_DIRECTORY, useExisting: ConversationService },
        SequencerRunner,
        // The search projection (issue 13.3) runs where the sequencer runs, never on a query-only replica.
        { provide: SEARCH_PROJECTION_OPTIONS, useValue: { run: options.runSequencer } },
        SearchProjectionRunner,
        // Issue 14: the operator's pseudonym lookup, on the admin port only (docs/adr/0016).
        { provide: ADMIN_ROUTES, inject: [SQL_DB, LOGGER], useFactory: (db: SqlDb, logger: Logger) => [participantAdminRoute(new ParticipantsRepository(db.relational()), logger.child({ component: 'participants-admin' }))] },
      ],
      exports: [CONVERSATION_API, MEMBERSHIP_DIRECTORY],
    };
  }
}
