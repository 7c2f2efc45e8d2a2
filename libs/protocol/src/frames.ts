import { ConversationDto, MessageDto, PresenceStatus } from './dto';
import type { CallClientFrame, CallServerFrame } from './schema/call-frames.schema';

/** WebSocket frames of the v1 contract: one JSON object per text frame, each with a `type`. */

export type TypingState = 'start' | 'stop';

// Client → server.

export interface SendFrame {
  type: 'send';
  conversation_id: string;
  client_msg_id: string;
  body: { text: string; attachments?: Array<{ id: string }> };
  /** Extension (issue 13): the seq of the message this one answers. */
  reply_to?: number;
}

/** Extension (issue 13): lifecycle operations on message `seq`, answered like a send (acks, or an error frame naming client_msg_id). */
export interface EditFrame {
  type: 'edit';
  conversation_id: string;
  seq: number;
  client_msg_id: string;
  body: { text: string };
}

export interface DeleteFrame {
  type: 'delete';
  conversation_id: string;
  seq: number;
  client_msg_id: string;
}

export interface ReactFrame {
  type: 'react';
  conversation_id: string;
  seq: number;
  client_msg_id: string;
  emoji: string;
  action: 'add' | 'remove';
}

export type LifecycleFrame = EditFrame | DeleteFrame | ReactFrame;

export interface SyncFrame {
  type: 'sync';
  conversation_id: string;
  after_seq: number;
  /** 1..500; the server uses 100 when absent. */
  limit?: number;
}

export interface TypingFrame {
  type: 'typing';
  conversation_id: string;
  state: TypingState;
}

export interface ReadFrame {
  type: 'read';
  conversation_id: string;
  seq: number;
}

export interface PingFrame {
  type: 'ping';
  nonce?: string | number;
}

export type ClientFrame = SendFrame | SyncFrame | TypingFrame | ReadFrame | PingFrame | CallClientFrame | LifecycleFrame;

// Server → client.

export interface HelloFrame {
  type: 'hello';
  user_id: string;
  session_id: string;
  heartbeat_ms: number;
}

export interface AckReceivedFrame {
  type: 'ack';
  client_msg_id: string;
  conversation_id: string;
  status: 'received';
}

export interface AckPersistedFrame {
  type: 'ack';
  client_msg_id: string;
  conversation_id: string;
  status: 'persisted';
  seq: number;
  message_id: string;
  created_at: string;
}

export type AckFrame = AckReceivedFrame | AckPersistedFrame;

export type MessageFrame = { type: 'message' } & MessageDto;

export interface SyncDoneFrame {
  type: 'sync.done';
  conversation_id: string;
  last_seq: number;
  has_more: boolean;
}

export interface TypingEventFrame {
  type: 'typing';
  conversation_id: string;
  user_id: string;
  state: TypingState;
}

/**
 * A read receipt. In direct and small groups it names the reader (`user_id`); above the
 * large-group threshold the server may send a count instead (`read_by`, an extension).
 */
export interface ReadEventFrame {
  type: 'read';
  conversation_id: string;
  seq: number;
  user_id?: string;
  read_by?: number;
}

export interface PongFrame {
  type: 'pong';
  nonce?: string | number;
}

export interface PresenceFrame {
  type: 'presence';
  user_id: string;
  status: PresenceStatus;
  last_seen_at: string | null;
}

/** A removed conversation may be announced by id alone: the user is no longer a member. */
export type ConversationEventFrame =
  | { type: 'conversation'; event: 'added'; conversation: ConversationDto }
  | { type: 'conversation'; event: 'removed'; conversation: Pick<ConversationDto, 'id'> & Partial<ConversationDto> };

export interface ErrorFrame {
  type: 'error';
  code: string;
  message: string;
  client_msg_id?: string;
  /** Extension: the call (or, for a refused call.invite, the conversation) the error is about. */
  call_id?: string;
  conversation_id?: string;
  /** Extension (issue 13.4): MUTED and SLOW_MODE, the seconds until a send may succeed. */
  retry_after?: number;
}

export type ServerFrame =
  | HelloFrame
  | AckFrame
  | MessageFrame
  | SyncDoneFrame
  | TypingEventFrame
  | ReadEventFrame
  | PongFrame
  | PresenceFrame
  | ConversationEventFrame
  | ErrorFrame
  | CallServerFrame;
