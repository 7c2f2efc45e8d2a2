import { CallSummaryRecord, Message, MessageBody } from '@parley/domain';
import { ConversationView } from './conversation.api';

/** Where a send came from, so its acks find their way back. */
export interface SendOrigin {
  gateway_id: string;
  /** Gateway-local reference of the waiting socket or REST request. */
  ref: string;
}

/** A record on the ingress topic (key: conversation_id). */
export interface IngressSend {
  type: 'send';
  conversation_id: string;
  sender_id: string;
  client_msg_id: string;
  body: MessageBody;
  /** Set on a call's summary (a system message sent by the gateway that ended the call). */
  call?: CallSummaryRecord;
  origin: SendOrigin;
  received_at: string;
  /** A reply: the seq of the message it answers (checked by the sequencer). */
  reply_to?: number;
  /** Absent for a new message; else a lifecycle operation on `target_seq` (docs/adr/0010). `body` is the new text of an edit, empty otherwise. */
  op?: LifecycleOp;
}

export type LifecycleOp =
  | { kind: 'edit'; target_seq: number }
  | { kind: 'delete'; target_seq: number }
  | { kind: 'reaction'; target_seq: number; emoji: string; action: 'add' | 'remove' };

/** Why the sequencer refused a send or a lifecycle operation (nothing was stored for it). */
export type RejectCode = 'FORBIDDEN' | 'VALIDATION_FAILED' | 'NOT_FOUND' | 'CONFLICT' | ModerationRejectCode;

/** Issue 13.4 (docs/adr/0017-moderation.md): an announcement conversation, a mute, slow mode. */
export type ModerationRejectCode = 'ANNOUNCEMENT_ONLY' | 'MUTED' | 'SLOW_MODE';
export const REJECT_CODES: readonly RejectCode[] = ['FORBIDDEN', 'VALIDATION_FAILED', 'NOT_FOUND', 'CONFLICT', 'ANNOUNCEMENT_ONLY', 'MUTED', 'SLOW_MODE'];

/** Records on the events topic (key: conversation_id, or user id for user-addressed events). */
export type ConversationEvent =
  | { type: 'message.created'; message: Message; origin: SendOrigin | null; /** false when a repeated client_msg_id found the original */ created: boolean }
  | { type: 'send.rejected'; conversation_id: string; client_msg_id: string; code: RejectCode; message: string; origin: SendOrigin; /** seconds, for MUTED and SLOW_MODE */ retry_after?: number }
  | { type: 'member.added'; conversation_id: string; user_ids: string[] }
  | { type: 'member.removed'; conversation_id: string; user_id: string }
  /** `services_only`: above the large-group threshold the marker is for services (push clearing), never fanned out to gateways. */
  | { type: 'read.updated'; conversation_id: string; user_id: string; seq: number; member_count: number; services_only?: true }
  | { type: 'typing'; conversation_id: string; user_id: string; state: 'start' | 'stop'; member_count: number }
  | { type: 'presence.changed'; user_id: string; status: 'online' | 'offline'; last_seen_at: string | null }
  | { type: 'session.revoked'; user_id: string; session_id: string }
  /** Call signaling (docs/adr/0013-call-signaling.md): frames for named users' sockets only, never stored. */
  | { type: 'call.relay'; conversation_id: string; effects: CallRelayEffect[] };

/** A socket (`socket_id`), or every socket of the user but one (`except_socket_id`), or all of them. */
export interface CallRelayTarget {
  user_id: string;
  socket_id?: string;
  except_socket_id?: string;
}

/** One call frame (a `call.*` server frame) and who gets it. */
export interface CallRelayEffect {
  to: CallRelayTarget[];
  frame: { type: string; call_id: string } & Record<string, unknown>;
}

/** Route-table key of the gateways that watch a user's presence (sockets of direct partners). */
export const presenceRouteKey = (userId: string) => `presence:${userId}`;

/** The user a presence route key names, or null for any other key (a conversation id). */
export const presenceUserOf = (key: string): string | null => (key.startsWith('presence:') ? key.slice('presence:'.length) : null);

/**
 * Route-table key every live gateway registers: `session.revoked` goes to all of them, since each
 * caches session liveness for REST as well as for its sockets (revocations are rare).
 */
export const SESSIONS_ROUTE_KEY = 'sessions:all';

/**
 * What fanout hands a gateway: one copy per gateway, never one per member. Events addressed to
 * conversations are published to the gateway's local conversation topic; user-addressed ones to
 * the user's topic.
 */
export type Delivery = ConversationEvent;

/** Fanout's way to a gateway: in-process in standalone, gRPC in the mesh. May lose a copy. */
export interface GatewayDelivery {
  deliver(gatewayId: string, deliveries: Delivery[]): Promise<void>;
}

export const GATEWAY_DELIVERY = Symbol('GatewayDelivery');

export type { ConversationView };
