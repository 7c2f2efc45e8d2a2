import { Type } from '@sinclair/typebox';
import { Limits } from '../constants';
import { Emoji, Id, Nullable, Seq, TargetSeq, Text } from './primitives';
import { MessageBody } from './rest-bodies.schema';
import { CALL_CLIENT_FRAME_SCHEMAS } from './call-frames.schema';

/** Frames a client sends on the WebSocket (`docs/api/v1.md`). Unknown fields are ignored. */

export const SendFrameSchema = Type.Object(
  {
    type: Type.Literal('send'),
    conversation_id: Id(),
    client_msg_id: Text(Limits.CLIENT_MSG_ID_MAX),
    body: MessageBody,
    reply_to: Type.Optional(Nullable(TargetSeq('the seq of the message this one answers'))),
  },
  { $id: 'SendFrame' },
);

/** Issue 13: an edit, a delete and a reaction are answered like a send (acks with the entry's seq, or an error frame). */
export const EditFrameSchema = Type.Object(
  { type: Type.Literal('edit'), conversation_id: Id(), seq: TargetSeq(), client_msg_id: Text(Limits.CLIENT_MSG_ID_MAX), body: MessageBody },
  { $id: 'EditFrame' },
);
export const DeleteFrameSchema = Type.Object(
  { type: Type.Literal('delete'), conversation_id: Id(), seq: TargetSeq(), client_msg_id: Text(Limits.CLIENT_MSG_ID_MAX) },
  { $id: 'DeleteFrame' },
);
export const ReactFrameSchema = Type.Object(
  {
    type: Type.Literal('react'),
    conversation_id: Id(),
    seq: TargetSeq(),
    client_msg_id: Text(Limits.CLIENT_MSG_ID_MAX),
    emoji: Emoji(),
    action: Type.Union([Type.Literal('add'), Type.Literal('remove')]),
  },
  { $id: 'ReactFrame' },
);

export const SyncFrameSchema = Type.Object(
  { type: Type.Literal('sync'), conversation_id: Id(), after_seq: Seq(), limit: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: Limits.SYNC_MAX_LIMIT }))) },
  { $id: 'SyncFrame' },
);

export const TypingFrameSchema = Type.Object(
  { type: Type.Literal('typing'), conversation_id: Id(), state: Type.Union([Type.Literal('start'), Type.Literal('stop')]) },
  { $id: 'TypingFrame' },
);

export const ReadFrameSchema = Type.Object({ type: Type.Literal('read'), conversation_id: Id(), seq: Seq() }, { $id: 'ReadFrame' });

export const PingFrameSchema = Type.Object(
  { type: Type.Literal('ping'), nonce: Type.Optional(Type.Union([Type.Number(), Text(Limits.NONCE_MAX, 0), Type.Null()])) },
  { $id: 'PingFrame' },
);

/** The client frame schemas by `type`. */
export const CLIENT_FRAME_SCHEMAS = {
  send: SendFrameSchema,
  sync: SyncFrameSchema,
  typing: TypingFrameSchema,
  read: ReadFrameSchema,
  ping: PingFrameSchema,
  ...CALL_CLIENT_FRAME_SCHEMAS,
  edit: EditFrameSchema,
  delete: DeleteFrameSchema,
  react: ReactFrameSchema,
} as const;
