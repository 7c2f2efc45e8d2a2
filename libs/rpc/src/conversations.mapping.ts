import type { ConversationType, Message } from '@parley/domain';
import type { ConversationView, HistoryQuery, MemberView, Page, ReadReceipts } from '@parley/ports';
import { CONVERSATION_TYPES, conversationViewFromWire, memberViewFromWire, messageFromWire, type WireConversationView, type WireMemberView, type WireMessage } from './common.mapping';
import { count, type Maybe, oneOf, orNull, required } from './wire-values';

/** Wire shapes of conversations.proto and their mapping to ConversationApi / MembershipDirectory types. */

export interface WireCreateRequest {
  actor_id: string;
  type: string;
  title?: Maybe<string>;
  member_ids: string[];
  anonymous?: Maybe<string>;
}
export interface WireCreateResponse {
  conversation: WireConversationView | null;
  created: boolean;
}
export interface WireGetRequest {
  actor_id: string;
  conversation_id: string;
}
export interface WireListRequest {
  actor_id: string;
  limit: number;
  cursor?: Maybe<string>;
}
export interface WirePage<T> {
  items: T[];
  next_cursor?: Maybe<string>;
}
export interface WireMembersRequest {
  actor_id: string;
  conversation_id: string;
  limit: number;
  cursor?: Maybe<string>;
}
export interface WireAddMembersRequest {
  actor_id: string;
  conversation_id: string;
  user_ids: string[];
  anonymous?: Maybe<boolean>;
}
export interface WireAddMembersResponse {
  added: string[];
}
export interface WireRemoveMemberRequest {
  actor_id: string;
  conversation_id: string;
  user_id: string;
}
export interface WireMarkReadRequest {
  actor_id: string;
  conversation_id: string;
  seq: number;
}
export interface WireReadReceiptsRequest {
  actor_id: string;
  conversation_id: string;
  seq: number;
}
export interface WireReadReceiptsResponse {
  conversation_id: string;
  seq: number;
  read_by: number;
}
export interface WireHistoryRequest {
  actor_id: string;
  conversation_id: string;
  after_seq?: Maybe<number>;
  before_seq?: Maybe<number>;
  limit: number;
}
export interface WireRepliesRequest {
  actor_id: string;
  conversation_id: string;
  seq: number;
  after_seq: number;
  limit: number;
}
export interface WireSearchRequest {
  actor_id: string;
  q: string;
  conversation_id?: Maybe<string>;
  limit: number;
  cursor?: Maybe<string>;
}
export interface WireSearchResponse {
  messages: WireMessage[];
  next_cursor?: Maybe<string>;
}
export interface WireRevisionsRequest {
  actor_id: string;
  conversation_id: string;
  seq: number;
}
export interface WireRevisionsResponse {
  conversation_id: string;
  seq: number;
  revisions: Array<{ entry_seq: number; text: string; replaced_at: string }>;
}
export interface WireHistoryResponse {
  messages: WireMessage[];
  has_more: boolean;
}
export interface WireUserRequest {
  user_id: string;
}
export interface WireConversationIds {
  conversation_ids: string[];
}
export interface WireSocketSetupsRequest {
  user_ids: string[];
}
export interface WireSocketSetup {
  user_id: string;
  conversation_ids: string[];
  direct_partners: string[];
}
export interface WireSocketSetupsResponse {
  setups: WireSocketSetup[];
}
export interface WireIsMemberRequest {
  user_id: string;
  conversation_id: string;
}
export interface WireIsMemberResponse {
  member: boolean;
}
export interface WireSharesConversationRequest {
  user_id: string;
  other_user_id: string;
}
export interface WireSharesConversationResponse {
  shared: boolean;
}
export interface WireBackfillRequest {
  conversation_id: string;
  after_seq: number;
  limit: number;
}
export interface WireBackfillResponse {
  messages: WireMessage[];
}
export interface WireConversationRequest {
  conversation_id: string;
}
export interface WireMemberCountResponse {
  member_count: number;
}
export interface WirePushContextRequest {
  user_id: string;
  conversation_id: string;
}
export interface WirePushContextResponse {
  unread_total: number;
  title?: string | null;
}
export interface WireMemberIdsRequest {
  conversation_id: string;
  limit: number;
}

export function createInputFromWire(wire: WireCreateRequest): { type: ConversationType; title: string | null; member_ids: string[]; anonymous?: 'off' | 'allowed' } {
  const base = { type: oneOf(wire.type, CONVERSATION_TYPES, 'type'), title: orNull(wire.title), member_ids: wire.member_ids };
  return wire.anonymous ? { ...base, anonymous: oneOf(wire.anonymous, ['off', 'allowed'] as const, 'anonymous') } : base;
}

export const createResultFromWire = (wire: WireCreateResponse): { conversation: ConversationView; created: boolean } => ({
  conversation: conversationViewFromWire(required(wire.conversation, 'conversation')),
  created: wire.created,
});

export const conversationPageFromWire = (wire: WirePage<WireConversationView>): Page<ConversationView> => ({
  items: wire.items.map((item) => conversationViewFromWire(item)),
  next_cursor: orNull(wire.next_cursor),
});

export const memberPageFromWire = (wire: WirePage<WireMemberView>): Page<MemberView> => ({
  items: wire.items.map(memberViewFromWire),
  next_cursor: orNull(wire.next_cursor),
});

/** Absent bounds stay absent: HistoryQuery's optional fields are `undefined`, not null. */
export function historyQueryFromWire(wire: WireHistoryRequest): HistoryQuery {
  const query: HistoryQuery = { limit: count(wire.limit, 'limit') };
  if (wire.after_seq !== undefined && wire.after_seq !== null) query.after_seq = count(wire.after_seq, 'after_seq');
  if (wire.before_seq !== undefined && wire.before_seq !== null) query.before_seq = count(wire.before_seq, 'before_seq');
  return query;
}

export const readReceiptsFromWire = (wire: WireReadReceiptsResponse): ReadReceipts => ({
  conversation_id: wire.conversation_id,
  seq: count(wire.seq, 'seq'),
  read_by: count(wire.read_by, 'read_by'),
});

export const messagesFromWire = (wire: WireMessage[]): Message[] => wire.map((message, i) => messageFromWire(message, `messages[${i}]`));
