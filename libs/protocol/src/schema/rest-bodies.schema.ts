import { Type, type Static } from '@sinclair/typebox';
import { Limits } from '../constants';
import { Emoji, Id, Nullable, Seq, TargetSeq, Text } from './primitives';

/** REST request bodies (`docs/api/v1.md`). Unknown fields are allowed and ignored. */

export const RegisterBody = Type.Object(
  {
    username: Type.String({ minLength: 3, maxLength: 32, pattern: '^[A-Za-z0-9_.-]{3,32}$', description: 'matched case-insensitively; stored lower-case' }),
    password: Text(Limits.PASSWORD_MAX, Limits.PASSWORD_MIN),
    display_name: Type.Optional(Nullable(Text(Limits.DISPLAY_NAME_MAX * 2, 1, `trimmed; at most ${Limits.DISPLAY_NAME_MAX} characters after trimming`))),
  },
  { $id: 'RegisterBody' },
);

/** Only types and bounds: a username of the wrong form simply matches no one (401). */
export const LoginBody = Type.Object({ username: Text(64), password: Text(Limits.PASSWORD_MAX) }, { $id: 'LoginBody' });

export const RefreshBody = Type.Object({ refresh_token: Text(Limits.TOKEN_MAX) }, { $id: 'RefreshBody' });

export const CreateDirectBody = Type.Object(
  { type: Type.Literal('direct'), member_ids: Type.Array(Id(), { minItems: 1, maxItems: 1 }) },
  { $id: 'CreateDirectBody' },
);

export const CreateGroupBody = Type.Object(
  {
    type: Type.Literal('group'),
    title: Text(Limits.TITLE_MAX, 1, 'trimmed; must not be blank'),
    member_ids: Type.Array(Id(), { maxItems: Limits.MEMBER_IDS_MAX }),
    anonymous: Type.Optional(Type.Union([Type.Literal('off'), Type.Literal('allowed')], { description: 'issue 14: "allowed" lets members join under a pseudonym; set at creation, never changed' })),
  },
  { $id: 'CreateGroupBody' },
);

export const AddMembersBody = Type.Object(
  {
    user_ids: Type.Array(Id(), { minItems: 1, maxItems: Limits.MEMBER_IDS_MAX }),
    anonymous: Type.Optional(Type.Boolean({ description: 'issue 14: they join an anonymous-allowed group under pseudonyms' })),
  },
  { $id: 'AddMembersBody' },
);

/** An uploaded attachment a message references (attachments extension). */
export const AttachmentRef = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]{1,64}$' }) }, { $id: 'AttachmentRef' });

export const MessageBody = Type.Object(
  { text: Text(Limits.TEXT_MAX_CHARS), attachments: Type.Optional(Type.Array(AttachmentRef, { maxItems: Limits.ATTACHMENTS_MAX, description: 'attachments extension: ids from POST /v1/conversations/{id}/attachments, uploaded by the sender' })) },
  { $id: 'MessageBody' },
);

/** Asks for an upload URL (attachments extension); the declared type is checked against the bytes at send time. */
export const CreateAttachmentBody = Type.Object(
  {
    content_type: Type.String({ minLength: 3, maxLength: 100, pattern: '^[a-z]+/[a-z0-9.+-]+$', description: 'one of image/png, image/jpeg, image/gif, image/webp, application/pdf, video/mp4' }),
    size: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'bytes; at most the server limit (413 over it)' }),
  },
  { $id: 'CreateAttachmentBody' },
);

export const SendMessageBody = Type.Object(
  { client_msg_id: Text(Limits.CLIENT_MSG_ID_MAX), body: MessageBody, reply_to: Type.Optional(Nullable(TargetSeq('the seq of the message this one answers'))) },
  { $id: 'SendMessageBody' },
);

/** Issue 13: lifecycle operations, each identified by its own client_msg_id (a repeat finds the original). */
export const EditMessageBody = Type.Object({ client_msg_id: Text(Limits.CLIENT_MSG_ID_MAX), body: MessageBody }, { $id: 'EditMessageBody' });
export const DeleteMessageBody = Type.Object({ client_msg_id: Text(Limits.CLIENT_MSG_ID_MAX) }, { $id: 'DeleteMessageBody' });
export const ReactionBody = Type.Object({ client_msg_id: Text(Limits.CLIENT_MSG_ID_MAX), emoji: Emoji() }, { $id: 'ReactionBody' });

export const ReadMarkerBody = Type.Object({ seq: Seq() }, { $id: 'ReadMarkerBody' });

export type RegisterBodyValue = Static<typeof RegisterBody>;
export type SendMessageBodyValue = Static<typeof SendMessageBody>;
