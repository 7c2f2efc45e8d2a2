import { Type } from '@sinclair/typebox';
import { Attachment } from './attachments.schema';
import { ConversationType, MemberRole, Nullable, PresenceStatus, Timestamp } from './primitives';

/** What the REST API answers (`docs/api/v1.md`): the DTOs of `dto.ts` as schemas, for the documents. */

export const User = Type.Object({ id: Type.String(), username: Type.String(), display_name: Type.String(), created_at: Timestamp() }, { $id: 'User' });

export const AuthResult = Type.Object(
  { user: User, access_token: Type.String(), refresh_token: Type.String(), expires_in: Type.Integer({ minimum: 1, description: 'seconds until the access token expires' }) },
  { $id: 'AuthResult' },
);

export const Message = Type.Object(
  {
    id: Type.String(),
    conversation_id: Type.String(),
    seq: Type.Integer({ minimum: 1 }),
    sender_id: Type.String(),
    client_msg_id: Type.String(),
    body: Type.Object({ text: Type.String(), attachments: Type.Optional(Type.Array(Attachment)) }),
    created_at: Timestamp(),
  },
  { $id: 'Message' },
);

export const Conversation = Type.Object(
  {
    id: Type.String(),
    type: ConversationType,
    title: Nullable(Type.String()),
    created_at: Timestamp(),
    member_count: Type.Integer({ minimum: 0 }),
    last_seq: Type.Integer({ minimum: 0 }),
    me: Type.Object({ role: MemberRole, last_read_seq: Type.Integer({ minimum: 0 }), unread_count: Type.Integer({ minimum: 0 }) }),
  },
  { $id: 'Conversation' },
);

export const Member = Type.Object({ user_id: Type.String(), role: MemberRole, joined_at: Timestamp() }, { $id: 'Member' });

export const Presence = Type.Object({ user_id: Type.String(), status: PresenceStatus, last_seen_at: Nullable(Timestamp()) }, { $id: 'Presence' });

export const ConversationPage = Type.Object({ conversations: Type.Array(Conversation), next_cursor: Nullable(Type.String()) }, { $id: 'ConversationPage' });
export const MemberPage = Type.Object({ members: Type.Array(Member), next_cursor: Nullable(Type.String()) }, { $id: 'MemberPage' });
export const History = Type.Object({ messages: Type.Array(Message), has_more: Type.Boolean() }, { $id: 'History' });
export const SendMessageResult = Type.Object({ message: Message }, { $id: 'SendMessageResult' });
export const AddMembersResult = Type.Object({ added: Type.Array(Type.String()) }, { $id: 'AddMembersResult' });
export const UserLookup = Type.Object({ user: User }, { $id: 'UserLookup' });
export const ReadReceipts = Type.Object(
  { conversation_id: Type.String(), seq: Type.Integer({ minimum: 1 }), read_by: Type.Integer({ minimum: 0 }) },
  { $id: 'ReadReceipts' },
);
export const Jwks = Type.Object({ keys: Type.Array(Type.Object({ kty: Type.String(), kid: Type.String() })) }, { $id: 'Jwks' });

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.Union(
        ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'METHOD_NOT_ALLOWED', 'CONFLICT', 'PAYLOAD_TOO_LARGE', 'RATE_LIMITED', 'UNAVAILABLE'].map((c) => Type.Literal(c)),
      ),
      message: Type.String(),
    }),
  },
  { $id: 'Error' },
);

/** The push extension's answers. */
export const Device = Type.Object(
  {
    platform: Type.Union([Type.Literal('fcm'), Type.Literal('apns')]),
    token: Type.String(),
    app_id: Type.String(),
    sandbox: Type.Boolean(),
    locale: Nullable(Type.String()),
    created_at: Timestamp(),
    current_session: Type.Boolean(),
  },
  { $id: 'Device' },
);
export const DeviceResult = Type.Object({ device: Device }, { $id: 'DeviceResult' });
export const DeviceList = Type.Object({ devices: Type.Array(Device) }, { $id: 'DeviceList' });
export const NotificationPrefs = Type.Object({ hide_previews: Type.Boolean() }, { $id: 'NotificationPrefs' });
export const ConversationNotifications = Type.Object(
  { conversation_id: Type.String(), level: Type.Union([Type.Literal('all'), Type.Literal('mentions'), Type.Literal('none')]), muted_until: Nullable(Timestamp()) },
  { $id: 'ConversationNotifications' },
);
