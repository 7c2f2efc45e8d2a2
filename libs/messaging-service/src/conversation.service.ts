import { DomainError, LargeGroupPolicy, Message } from '@parley/domain';
import { ConversationApi, ConversationView, CreateConversationInput, EventLog, HistoryQuery, MAX_SOCKET_SETUPS, MemberView, MembershipDirectory, MessageStore, ModerationReply, ModerationRequest, Page, ReadReceipts, RevisionsView, SearchQuery, SearchResult, SocketSetup, SqlDb, UserDirectory } from '@parley/ports';
import { LifecycleRepository } from './storage/lifecycle.repository';
import { ReadLifecycleUseCase } from './usecases/message-lifecycle/read-lifecycle.usecase';
import { ConversationRepository } from './storage/conversation.repository';
import { StoreReads } from './storage/store-reads';
import { ChangeMembersUseCase } from './usecases/change-members/change-members.usecase';
import { CreateConversationUseCase } from './usecases/create-conversation/create-conversation.usecase';
import { MarkReadUseCase } from './usecases/mark-read/mark-read.usecase';
import { QueryConversationsUseCase } from './usecases/query-conversations/query-conversations.usecase';
import { ReadHistoryUseCase } from './usecases/read-history/read-history.usecase';
import { ReadReceiptsUseCase } from './usecases/read-receipts/read-receipts.usecase';
import { SearchRepository } from './search/search.repository';
import { ModerationRepository } from './moderation/moderation.repository';
import { ModerationUseCase } from './moderation/moderation.usecase';
import { ParticipantsRepository } from './anonymous/participants.repository';

/** The messaging service's query and membership side, as the gateway and other services see it. */
export class ConversationService implements ConversationApi, MembershipDirectory {
  readonly repo: ConversationRepository;
  private readonly creating: CreateConversationUseCase;
  private readonly changing: ChangeMembersUseCase;
  private readonly reading: MarkReadUseCase;
  private readonly receipts: ReadReceiptsUseCase;
  private readonly history$: ReadHistoryUseCase;
  private readonly queries: QueryConversationsUseCase;
  private readonly lifecycle: ReadLifecycleUseCase;
  private readonly search$: SearchRepository;
  private readonly moderation: ModerationUseCase;

  constructor(
    db: SqlDb,
    private readonly messages: MessageStore,
    users: UserDirectory,
    log: EventLog,
    policy: LargeGroupPolicy,
    private readonly reads: StoreReads,
    /** Issue 14: PARLEY_ANON_REJOIN_WINDOW_S (docs/adr/0016). */
    anonRejoinWindowSeconds = 300,
  ) {
    // Relational data runs on Prisma Client over the same connections (docs/adr/0004-relational-data.md).
    const relational = db.relational();
    this.repo = new ConversationRepository(db);
    this.creating = new CreateConversationUseCase(this.repo, users, log);
    const moderation = new ModerationRepository(relational);
    this.changing = new ChangeMembersUseCase(this.repo, users, log, moderation, anonRejoinWindowSeconds);
    this.moderation = new ModerationUseCase(this.repo, moderation, messages, users, log, new ParticipantsRepository(relational));
    this.reading = new MarkReadUseCase(this.repo, log, policy);
    this.receipts = new ReadReceiptsUseCase(this.repo);
    this.history$ = new ReadHistoryUseCase(this.repo, messages, reads);
    this.queries = new QueryConversationsUseCase(this.repo);
    this.lifecycle = new ReadLifecycleUseCase(this.repo, new LifecycleRepository(relational), messages);
    this.search$ = new SearchRepository(db);
  }

  create(actorId: string, input: CreateConversationInput) {
    return this.creating.execute({ actorId, type: input.type, title: input.title, memberIds: input.member_ids, anonymous: input.anonymous });
  }
  get(actorId: string, conversationId: string): Promise<ConversationView> {
    return this.queries.get(actorId, conversationId);
  }
  list(actorId: string, limit: number, cursor: string | null): Promise<Page<ConversationView>> {
    return this.queries.list(actorId, limit, cursor);
  }
  members(actorId: string, conversationId: string, limit: number, cursor: string | null): Promise<Page<MemberView>> {
    return this.queries.members(actorId, conversationId, limit, cursor);
  }
  addMembers(actorId: string, conversationId: string, userIds: string[], anonymous = false) {
    return this.changing.add(actorId, conversationId, userIds, anonymous);
  }
  removeMember(actorId: string, conversationId: string, userId: string) {
    return this.changing.remove(actorId, conversationId, userId);
  }
  markRead(actorId: string, conversationId: string, seq: number) {
    return this.reading.execute(actorId, conversationId, seq);
  }
  readReceipts(actorId: string, conversationId: string, seq: number): Promise<ReadReceipts> {
    return this.receipts.execute(actorId, conversationId, seq);
  }
  history(actorId: string, conversationId: string, query: HistoryQuery): Promise<{ messages: Message[]; has_more: boolean }> {
    return this.history$.execute(actorId, conversationId, query);
  }
  /** Issue 13.3: a named conversation the actor is not in is a 404, like history; "all" covers current memberships only. */
  async search(actorId: string, query: SearchQuery): Promise<SearchResult> {
    if (query.conversation_id !== null && !(await this.repo.membership(query.conversation_id, actorId))) throw new DomainError('NOT_FOUND', 'conversation not found');
    return this.search$.search(actorId, query);
  }

  replies(actorId: string, conversationId: string, seq: number, afterSeq: number, limit: number): Promise<{ messages: Message[]; has_more: boolean }> {
    return this.lifecycle.replies(actorId, conversationId, seq, afterSeq, limit);
  }
  revisions(actorId: string, conversationId: string, seq: number): Promise<RevisionsView> {
    return this.lifecycle.revisions(actorId, conversationId, seq);
  }
  moderate(actorId: string, conversationId: string, request: ModerationRequest): Promise<ModerationReply> {
    return this.moderation.execute(actorId, conversationId, request);
  }
  conversationIdsOf(userId: string): Promise<string[]> {
    return this.repo.conversationIdsOf(userId);
  }
  async socketSetups(userIds: readonly string[]): Promise<SocketSetup[]> {
    if (userIds.length > MAX_SOCKET_SETUPS) throw new DomainError('VALIDATION_FAILED', `at most ${MAX_SOCKET_SETUPS} users per socketSetups call`);
    return userIds.length === 0 ? [] : this.repo.socketSetups(userIds);
  }
  async isMember(userId: string, conversationId: string): Promise<boolean> {
    return (await this.repo.membership(conversationId, userId)) !== null;
  }
  async backfill(conversationId: string, afterSeq: number, limit: number): Promise<Message[]> {
    this.reads.count('gap_fill');
    return this.messages.after(conversationId, afterSeq, Math.min(Math.max(1, limit), 500));
  }
  memberCount(conversationId: string): Promise<number> {
    return this.repo.memberCount(conversationId);
  }
  memberIds(conversationId: string, limit: number): Promise<string[]> {
    return this.repo.memberIds(conversationId, limit);
  }
  directPartners(userId: string): Promise<string[]> {
    return this.repo.directPartners(userId);
  }
  sharesConversation(userId: string, otherUserId: string): Promise<boolean> {
    return this.repo.sharesConversation(userId, otherUserId);
  }
  pushContext(userId: string, conversationId: string): Promise<{ unread_total: number; title: string | null }> {
    return this.repo.pushContext(userId, conversationId);
  }
}
