import type { ConversationType, Message } from '@parley/domain';
import type { ConversationApi, ConversationView, HistoryQuery, MembershipDirectory, MemberView, ModerationReply, ModerationRequest, Page, ReadReceipts, RevisionsView, SearchQuery, SearchResult, SocketSetup } from '@parley/ports';
import { moderateReplyFromWire, type WireModerateRequest, type WireModerateResponse } from './moderation.mapping';
import { conversationViewFromWire, type WireConversationView, type WireEmpty, type WireMemberView, type WireUserIds } from './common.mapping';
import { RpcChannel, type RpcClientOptions } from './grpc-channel';
import { count } from './wire-values';
import {
  conversationPageFromWire,
  createResultFromWire,
  memberPageFromWire,
  messagesFromWire,
  readReceiptsFromWire,
  type WireAddMembersRequest,
  type WireAddMembersResponse,
  type WireBackfillRequest,
  type WireBackfillResponse,
  type WireConversationIds,
  type WireConversationRequest,
  type WireCreateRequest,
  type WireCreateResponse,
  type WireGetRequest,
  type WireHistoryRequest,
  type WireHistoryResponse,
  type WireRepliesRequest,
  type WireSearchRequest,
  type WireSearchResponse,
  type WireRevisionsRequest,
  type WireRevisionsResponse,
  type WireIsMemberRequest,
  type WireIsMemberResponse,
  type WireSharesConversationRequest,
  type WireSocketSetupsRequest,
  type WireSocketSetupsResponse,
  type WireSharesConversationResponse,
  type WireListRequest,
  type WireMarkReadRequest,
  type WireMemberCountResponse,
  type WireMemberIdsRequest,
  type WirePushContextRequest,
  type WirePushContextResponse,
  type WireMembersRequest,
  type WirePage,
  type WireReadReceiptsRequest,
  type WireReadReceiptsResponse,
  type WireRemoveMemberRequest,
  type WireUserRequest,
} from './conversations.mapping';

const ignore = (): void => undefined;

/** ConversationApi and MembershipDirectory of a remote messaging service (`address` = host:port). */
export class GrpcConversationsClient implements ConversationApi, MembershipDirectory {
  private readonly channel: RpcChannel;

  constructor(address: string, options: RpcClientOptions = {}) {
    this.channel = new RpcChannel('Conversations', address, options);
  }

  create(actorId: string, input: { type: ConversationType; title?: string | null; member_ids: string[] }): Promise<{ conversation: ConversationView; created: boolean }> {
    return this.channel.call<WireCreateRequest, WireCreateResponse, { conversation: ConversationView; created: boolean }>(
      'Create',
      { actor_id: actorId, type: input.type, title: input.title, member_ids: input.member_ids },
      createResultFromWire,
    );
  }

  get(actorId: string, conversationId: string): Promise<ConversationView> {
    return this.channel.call<WireGetRequest, WireConversationView, ConversationView>('Get', { actor_id: actorId, conversation_id: conversationId }, (res) => conversationViewFromWire(res));
  }

  list(actorId: string, limit: number, cursor: string | null): Promise<Page<ConversationView>> {
    return this.channel.call<WireListRequest, WirePage<WireConversationView>, Page<ConversationView>>('List', { actor_id: actorId, limit, cursor }, conversationPageFromWire);
  }

  members(actorId: string, conversationId: string, limit: number, cursor: string | null): Promise<Page<MemberView>> {
    return this.channel.call<WireMembersRequest, WirePage<WireMemberView>, Page<MemberView>>(
      'Members',
      { actor_id: actorId, conversation_id: conversationId, limit, cursor },
      memberPageFromWire,
    );
  }

  addMembers(actorId: string, conversationId: string, userIds: string[]): Promise<{ added: string[] }> {
    return this.channel.call<WireAddMembersRequest, WireAddMembersResponse, { added: string[] }>(
      'AddMembers',
      { actor_id: actorId, conversation_id: conversationId, user_ids: userIds },
      (res) => ({ added: res.added }),
    );
  }

  removeMember(actorId: string, conversationId: string, userId: string): Promise<void> {
    return this.channel.call<WireRemoveMemberRequest, WireEmpty, void>('RemoveMember', { actor_id: actorId, conversation_id: conversationId, user_id: userId }, ignore);
  }

  markRead(actorId: string, conversationId: string, seq: number): Promise<void> {
    return this.channel.call<WireMarkReadRequest, WireEmpty, void>('MarkRead', { actor_id: actorId, conversation_id: conversationId, seq }, ignore);
  }

  readReceipts(actorId: string, conversationId: string, seq: number): Promise<ReadReceipts> {
    return this.channel.call<WireReadReceiptsRequest, WireReadReceiptsResponse, ReadReceipts>(
      'ReadReceipts',
      { actor_id: actorId, conversation_id: conversationId, seq },
      readReceiptsFromWire,
    );
  }

  history(actorId: string, conversationId: string, query: HistoryQuery): Promise<{ messages: Message[]; has_more: boolean }> {
    return this.channel.call<WireHistoryRequest, WireHistoryResponse, { messages: Message[]; has_more: boolean }>(
      'History',
      { actor_id: actorId, conversation_id: conversationId, after_seq: query.after_seq, before_seq: query.before_seq, limit: query.limit },
      (res) => ({ messages: messagesFromWire(res.messages), has_more: res.has_more }),
    );
  }

  replies(actorId: string, conversationId: string, seq: number, afterSeq: number, limit: number): Promise<{ messages: Message[]; has_more: boolean }> {
    return this.channel.call<WireRepliesRequest, WireHistoryResponse, { messages: Message[]; has_more: boolean }>(
      'Replies',
      { actor_id: actorId, conversation_id: conversationId, seq, after_seq: afterSeq, limit },
      (res) => ({ messages: messagesFromWire(res.messages), has_more: res.has_more }),
    );
  }

  search(actorId: string, query: SearchQuery): Promise<SearchResult> {
    return this.channel.call<WireSearchRequest, WireSearchResponse, SearchResult>(
      'Search',
      { actor_id: actorId, q: query.q, conversation_id: query.conversation_id ?? undefined, limit: query.limit, cursor: query.cursor ?? undefined },
      (res) => ({ messages: messagesFromWire(res.messages), next_cursor: res.next_cursor ?? null }),
    );
  }

  moderate(actorId: string, conversationId: string, request: ModerationRequest): Promise<ModerationReply> {
    return this.channel.call<WireModerateRequest, WireModerateResponse, ModerationReply>('Moderate', { actor_id: actorId, conversation_id: conversationId, request_json: JSON.stringify(request) }, moderateReplyFromWire);
  }

  revisions(actorId: string, conversationId: string, seq: number): Promise<RevisionsView> {
    return this.channel.call<WireRevisionsRequest, WireRevisionsResponse, RevisionsView>('Revisions', { actor_id: actorId, conversation_id: conversationId, seq }, (res) => ({
      conversation_id: res.conversation_id,
      seq: count(res.seq, 'seq'),
      revisions: (res.revisions ?? []).map((r, i) => ({ entry_seq: count(r.entry_seq, `revisions[${i}].entry_seq`), text: r.text, replaced_at: r.replaced_at })),
    }));
  }

  conversationIdsOf(userId: string): Promise<string[]> {
    return this.channel.call<WireUserRequest, WireConversationIds, string[]>('ConversationIdsOf', { user_id: userId }, (res) => res.conversation_ids);
  }

  isMember(userId: string, conversationId: string): Promise<boolean> {
    return this.channel.call<WireIsMemberRequest, WireIsMemberResponse, boolean>('IsMember', { user_id: userId, conversation_id: conversationId }, (res) => res.member);
  }

  sharesConversation(userId: string, otherUserId: string): Promise<boolean> {
    return this.channel.call<WireSharesConversationRequest, WireSharesConversationResponse, boolean>('SharesConversation', { user_id: userId, other_user_id: otherUserId }, (res) => res.shared);
  }

  socketSetups(userIds: readonly string[]): Promise<SocketSetup[]> {
    return this.channel.call<WireSocketSetupsRequest, WireSocketSetupsResponse, SocketSetup[]>('SocketSetups', { user_ids: [...userIds] }, (res) => {
      if (res.setups.length !== userIds.length) throw new Error(`asked for ${userIds.length} socket setups, got ${res.setups.length}`);
      return res.setups.map((s, i) => {
        if (s.user_id !== userIds[i]) throw new Error('socket setups answered out of order');
        return { user_id: s.user_id, conversation_ids: s.conversation_ids, direct_partners: s.direct_partners };
      });
    });
  }

  directPartners(userId: string): Promise<string[]> {
    return this.channel.call<WireUserRequest, WireUserIds, string[]>('DirectPartners', { user_id: userId }, (res) => res.user_ids);
  }

  backfill(conversationId: string, afterSeq: number, limit: number): Promise<Message[]> {
    return this.channel.call<WireBackfillRequest, WireBackfillResponse, Message[]>(
      'Backfill',
      { conversation_id: conversationId, after_seq: afterSeq, limit },
      (res) => messagesFromWire(res.messages),
    );
  }

  memberCount(conversationId: string): Promise<number> {
    return this.channel.call<WireConversationRequest, WireMemberCountResponse, number>('MemberCount', { conversation_id: conversationId }, (res) => count(res.member_count, 'member_count'));
  }

  memberIds(conversationId: string, limit: number): Promise<string[]> {
    return this.channel.call<WireMemberIdsRequest, WireUserIds, string[]>('MemberIds', { conversation_id: conversationId, limit }, (res) => res.user_ids);
  }

  pushContext(userId: string, conversationId: string): Promise<{ unread_total: number; title: string | null }> {
    return this.channel.call<WirePushContextRequest, WirePushContextResponse, { unread_total: number; title: string | null }>(
      'PushContext',
      { user_id: userId, conversation_id: conversationId },
      (res) => ({ unread_total: count(res.unread_total, 'unread_total'), title: res.title ?? null }),
    );
  }

  close(): void {
    this.channel.close();
  }
}
