import type { Server } from '@grpc/grpc-js';
import type { ConversationApi, MembershipDirectory } from '@parley/ports';
import { EMPTY, type WireConversationView, type WireEmpty, type WireMemberView, type WireUserIds } from './common.mapping';
import { unaryHandlers, type ServeOptions } from './grpc-server';
import { parleyServices } from './protos';
import { count } from './wire-values';
import {
  createInputFromWire,
  historyQueryFromWire,
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
import { moderateReplyToWire, moderationRequestFromJson, type WireModerateRequest, type WireModerateResponse } from './moderation.mapping';

/** Serves the messaging service's query side (parley.v1.Conversations) from its in-process implementation. */
export function serveConversations(server: Server, impl: ConversationApi & MembershipDirectory, options: ServeOptions = {}): void {
  const unary = unaryHandlers('Conversations', options);
  server.addService(parleyServices(options.protoDir).Conversations, {
    Create: unary('Create', (req: WireCreateRequest): Promise<WireCreateResponse> => impl.create(req.actor_id, createInputFromWire(req))),
    Get: unary('Get', (req: WireGetRequest): Promise<WireConversationView> => impl.get(req.actor_id, req.conversation_id)),
    List: unary('List', (req: WireListRequest): Promise<WirePage<WireConversationView>> => impl.list(req.actor_id, count(req.limit, 'limit'), req.cursor ?? null)),
    Members: unary('Members', (req: WireMembersRequest): Promise<WirePage<WireMemberView>> =>
      impl.members(req.actor_id, req.conversation_id, count(req.limit, 'limit'), req.cursor ?? null),
    ),
    AddMembers: unary('AddMembers', (req: WireAddMembersRequest): Promise<WireAddMembersResponse> => impl.addMembers(req.actor_id, req.conversation_id, req.user_ids)),
    RemoveMember: unary('RemoveMember', async (req: WireRemoveMemberRequest): Promise<WireEmpty> => {
      await impl.removeMember(req.actor_id, req.conversation_id, req.user_id);
      return EMPTY;
    }),
    MarkRead: unary('MarkRead', async (req: WireMarkReadRequest): Promise<WireEmpty> => {
      await impl.markRead(req.actor_id, req.conversation_id, count(req.seq, 'seq'));
      return EMPTY;
    }),
    ReadReceipts: unary('ReadReceipts', (req: WireReadReceiptsRequest): Promise<WireReadReceiptsResponse> =>
      impl.readReceipts(req.actor_id, req.conversation_id, count(req.seq, 'seq')),
    ),
    History: unary('History', (req: WireHistoryRequest): Promise<WireHistoryResponse> => impl.history(req.actor_id, req.conversation_id, historyQueryFromWire(req))),
    Replies: unary('Replies', (req: WireRepliesRequest): Promise<WireHistoryResponse> =>
      impl.replies(req.actor_id, req.conversation_id, count(req.seq, 'seq'), count(req.after_seq, 'after_seq'), count(req.limit, 'limit')),
    ),
    Search: unary('Search', async (req: WireSearchRequest): Promise<WireSearchResponse> => {
      const r = await impl.search(req.actor_id, { q: req.q, conversation_id: req.conversation_id ?? null, limit: count(req.limit, 'limit'), cursor: req.cursor ?? null });
      return { messages: r.messages, next_cursor: r.next_cursor ?? undefined };
    }),
    Revisions: unary('Revisions', (req: WireRevisionsRequest): Promise<WireRevisionsResponse> => impl.revisions(req.actor_id, req.conversation_id, count(req.seq, 'seq'))),
    Moderate: unary('Moderate', async (req: WireModerateRequest): Promise<WireModerateResponse> =>
      moderateReplyToWire(await impl.moderate(req.actor_id, req.conversation_id, moderationRequestFromJson(req.request_json))),
    ),
    ConversationIdsOf: unary('ConversationIdsOf', async (req: WireUserRequest): Promise<WireConversationIds> => ({
      conversation_ids: await impl.conversationIdsOf(req.user_id),
    })),
    SocketSetups: unary('SocketSetups', async (req: WireSocketSetupsRequest): Promise<WireSocketSetupsResponse> => ({ setups: await impl.socketSetups(req.user_ids) })),
    IsMember: unary('IsMember', async (req: WireIsMemberRequest): Promise<WireIsMemberResponse> => ({ member: await impl.isMember(req.user_id, req.conversation_id) })),
    DirectPartners: unary('DirectPartners', async (req: WireUserRequest): Promise<WireUserIds> => ({ user_ids: await impl.directPartners(req.user_id) })),
    SharesConversation: unary('SharesConversation', async (req: WireSharesConversationRequest): Promise<WireSharesConversationResponse> => ({
      shared: await impl.sharesConversation(req.user_id, req.other_user_id),
    })),
    Backfill: unary('Backfill', async (req: WireBackfillRequest): Promise<WireBackfillResponse> => ({
      messages: await impl.backfill(req.conversation_id, count(req.after_seq, 'after_seq'), count(req.limit, 'limit')),
    })),
    MemberCount: unary('MemberCount', async (req: WireConversationRequest): Promise<WireMemberCountResponse> => ({ member_count: await impl.memberCount(req.conversation_id) })),
    PushContext: unary('PushContext', async (req: WirePushContextRequest): Promise<WirePushContextResponse> => {
      const ctx = await impl.pushContext(req.user_id, req.conversation_id);
      return ctx.title === null ? { unread_total: ctx.unread_total } : ctx;
    }),
    MemberIds: unary('MemberIds', async (req: WireMemberIdsRequest): Promise<WireUserIds> => ({ user_ids: await impl.memberIds(req.conversation_id, count(req.limit, 'limit')) })),
  });
}
