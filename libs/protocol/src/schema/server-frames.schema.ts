import { Type } from '@sinclair/typebox';
import { Nullable, PresenceStatus } from './primitives';
import { Conversation, Message } from './responses.schema';
import { CALL_SERVER_FRAME_SCHEMAS } from './call-frames.schema';

/** Frames the server sends on the WebSocket (`docs/api/v1.md`), for the AsyncAPI document. */

export const HelloFrame = Type.Object(
  { type: Type.Literal('hello'), user_id: Type.String(), session_id: Type.String(), heartbeat_ms: Type.Integer({ minimum: 1 }) },
  { $id: 'HelloFrame' },
);
export const AckFrame = Type.Object(
  {
    type: Type.Literal('ack'),
    client_msg_id: Type.String(),
    conversation_id: Type.String(),
    status: Type.Union([Type.Literal('received'), Type.Literal('persisted')]),
    seq: Type.Optional(Type.Integer({ minimum: 1 })),
    message_id: Type.Optional(Type.String()),
    created_at: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { $id: 'AckFrame', description: '`received` once the send is accepted, then `persisted` with seq, message_id and created_at' },
);
export const MessageFrame = Type.Composite([Type.Object({ type: Type.Literal('message') }), Message], { $id: 'MessageFrame' });
export const SyncDoneFrame = Type.Object(
  { type: Type.Literal('sync.done'), conversation_id: Type.String(), last_seq: Type.Integer({ minimum: 0 }), has_more: Type.Boolean() },
  { $id: 'SyncDoneFrame' },
);
export const TypingEventFrame = Type.Object(
  { type: Type.Literal('typing'), conversation_id: Type.String(), user_id: Type.String(), state: Type.Union([Type.Literal('start'), Type.Literal('stop')]) },
  { $id: 'TypingEventFrame' },
);
export const ReadEventFrame = Type.Object(
  { type: Type.Literal('read'), conversation_id: Type.String(), seq: Type.Integer({ minimum: 0 }), user_id: Type.Optional(Type.String()), read_by: Type.Optional(Type.Integer({ minimum: 0 })) },
  { $id: 'ReadEventFrame' },
);
export const PresenceFrame = Type.Object(
  { type: Type.Literal('presence'), user_id: Type.String(), status: PresenceStatus, last_seen_at: Nullable(Type.String({ format: 'date-time' })) },
  { $id: 'PresenceFrame' },
);
export const ConversationEventFrame = Type.Object(
  { type: Type.Literal('conversation'), event: Type.Union([Type.Literal('added'), Type.Literal('removed')]), conversation: Type.Union([Conversation, Type.Object({ id: Type.String() })]) },
  { $id: 'ConversationEventFrame' },
);
export const PongFrame = Type.Object({ type: Type.Literal('pong'), nonce: Type.Optional(Type.Union([Type.String(), Type.Number()])) }, { $id: 'PongFrame' });
export const ErrorFrame = Type.Object(
  { type: Type.Literal('error'), code: Type.String(), message: Type.String(), client_msg_id: Type.Optional(Type.String()), call_id: Type.Optional(Type.String()), conversation_id: Type.Optional(Type.String()), retry_after: Type.Optional(Type.Integer({ minimum: 1, description: 'MUTED and SLOW_MODE: seconds until a send may succeed' })) },
  { $id: 'ErrorFrame', description: 'call_id or conversation_id name the call (or the conversation of a refused call.invite) an error is about' },
);

export const SERVER_FRAME_SCHEMAS = [HelloFrame, AckFrame, MessageFrame, SyncDoneFrame, TypingEventFrame, ReadEventFrame, PresenceFrame, ConversationEventFrame, PongFrame, ErrorFrame, ...CALL_SERVER_FRAME_SCHEMAS];
