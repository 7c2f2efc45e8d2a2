import { ConversationType, Message, MemberRole, Rank } from '@parley/domain';
import { ModerationReply, ModerationRequest } from './moderation.api';

export * from './moderation.api';

export interface ConversationView {
  id: string;
  type: ConversationType;
  title: string | null;
  created_at: string;
  member_count: number;
  last_seq: number;
  /** `role` is the v1 view of `rank` (issue 13.4): owner and admin are `admin`. */
  me: { role: MemberRole; rank: Rank; last_read_seq: number; unread_count: number };
}

export interface MemberView {
  user_id: string;
  role: MemberRole;
  rank: Rank;
  joined_at: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** "Read by N": how many members' read markers are at or past `seq`. */
export interface ReadReceipts {
  conversation_id: string;
  seq: number;
  read_by: number;
}

/** What one user's new socket subscribes to. */
export interface SocketSetup {
  user_id: string;
  conversation_ids: string[];
  direct_partners: string[];
}

/** The most users one socketSetups call takes. */
export const MAX_SOCKET_SETUPS = 1000;

/** Issue 13: the texts an edited message had before each edit (moderators only). */
export interface RevisionsView {
  conversation_id: string;
  seq: number;
  revisions: Array<{ entry_seq: number; text: string; replaced_at: string }>;
}

/** Issue 13.3 (docs/adr/0015-search.md): a full-text search over the caller's conversations. */
export interface SearchQuery {
  q: string;
  /** One conversation, or (null) every conversation the caller belongs to. */
  conversation_id: string | null;
  limit: number;
  cursor: string | null;
}

/** Matching messages, newest first; `next_cursor` is null on the last page. */
export interface SearchResult {
  messages: Message[];
  next_cursor: string | null;
}

export interface HistoryQuery {
  after_seq?: number;
  before_seq?: number;
  limit: number;
}

/**
 * Conversations, memberships, read markers and history: the messaging service's query side.
 * Every call takes the acting user and checks membership itself; a non-member gets NOT_FOUND,
 * exactly as for an unknown conversation. Sends do not go through here: they go through the
 * ingress log to the sequencer.
 */
export interface ConversationApi {
  create(actorId: string, input: { type: ConversationType; title?: string | null; member_ids: string[] }): Promise<{ conversation: ConversationView; created: boolean }>;
  get(actorId: string, conversationId: string): Promise<ConversationView>;
  list(actorId: string, limit: number, cursor: string | null): Promise<Page<ConversationView>>;
  members(actorId: string, conversationId: string, limit: number, cursor: string | null): Promise<Page<MemberView>>;
  addMembers(actorId: string, conversationId: string, userIds: string[]): Promise<{ added: string[] }>;
  removeMember(actorId: string, conversationId: string, userId: string): Promise<void>;
  markRead(actorId: string, conversationId: string, seq: number): Promise<void>;
  /**
   * Read receipts as a count, for conversations of any size: members whose read marker is at or
   * past `seq` (1 to last_seq, else VALIDATION_FAILED). Computed when asked, never per message.
   */
  readReceipts(actorId: string, conversationId: string, seq: number): Promise<ReadReceipts>;
  history(actorId: string, conversationId: string, query: HistoryQuery): Promise<{ messages: Message[]; has_more: boolean }>;
  /** Issue 13: the replies to message `seq` with seq > afterSeq, ascending, at most limit (members only). */
  replies(actorId: string, conversationId: string, seq: number, afterSeq: number, limit: number): Promise<{ messages: Message[]; has_more: boolean }>;
  /** Issue 13.3: messages matching `q` in the actor's current conversations (membership checked at query time). */
  search(actorId: string, query: SearchQuery): Promise<SearchResult>;
  /** Issue 13: an edited message's earlier texts; FORBIDDEN unless the actor moderates the conversation. */
  revisions(actorId: string, conversationId: string, seq: number): Promise<RevisionsView>;
  /** Issue 13.4: a moderation request on one conversation (ranks, mutes, bans, reports, audit; docs/adr/0017-moderation.md). */
  moderate(actorId: string, conversationId: string, request: ModerationRequest): Promise<ModerationReply>;
  /** The conversations a connecting socket is subscribed to. */
  conversationIdsOf(userId: string): Promise<string[]>;
  /**
   * What connecting sockets subscribe to, for many users at once (at most MAX_SOCKET_SETUPS; one
   * answer per user, in order): one query for a batch of new sockets instead of two per socket.
   */
  socketSetups(userIds: readonly string[]): Promise<SocketSetup[]>;
  /** Membership check for the gateway's hot path (typing, sync). */
  isMember(userId: string, conversationId: string): Promise<boolean>;
  /** Users sharing a direct conversation with userId: whose presence a socket of userId watches. */
  directPartners(userId: string): Promise<string[]>;
  /** Whether two users are members of a common conversation: only then may one see the other's presence. */
  sharesConversation(userId: string, otherUserId: string): Promise<boolean>;
  /**
   * Trusted callers only (gateways filling a seq gap for sockets already subscribed, i.e.
   * members): messages with seq > afterSeq, ascending, at most limit. Never exposed to clients.
   */
  backfill(conversationId: string, afterSeq: number, limit: number): Promise<Message[]>;
  /** Member count for large-group policies (typing sampling). */
  memberCount(conversationId: string): Promise<number>;
}

export const CONVERSATION_API = Symbol('ConversationApi');
