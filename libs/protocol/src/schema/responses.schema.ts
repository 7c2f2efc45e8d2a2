import { Type } from '@sinclair/typebox';
import { CallSummarySchema } from './call-frames.schema';
import { Attachment } from './attachments.schema';
import { ConversationType, MemberRole, Nullable, PresenceStatus, Timestamp } from './primitives';
import { Rank } from './moderation.schema';

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
    call: Type.Optional(CallSummarySchema),
    mentions: Type.Optional(Type.Array(Type.String(), { description: 'members the text names as @username, resolved when stored' })),
    // Issue 13 (docs/adr/0010-message-lifecycle.md): each absent when unused.
    reply_to: Type.Optional(Type.Integer({ minimum: 1, description: 'the seq of the message this one answers' })),
    kind: Type.Optional(Type.Union([Type.Literal('edit'), Type.Literal('delete'), Type.Literal('reaction')], { description: 'absent for a message; an entry of the stream that changes message target_seq' })),
    target_seq: Type.Optional(Type.Integer({ minimum: 1 })),
    reaction: Type.Optional(Type.Object({ emoji: Type.String(), action: Type.Union([Type.Literal('add'), Type.Literal('remove')]), count: Type.Integer({ minimum: 0 }) })),
    edited_at: Type.Optional(Timestamp()),
    deleted_at: Type.Optional(Timestamp()),
    deleted_by: Type.Optional(Type.String()),
    reactions: Type.Optional(Type.Array(Type.Object({ emoji: Type.String(), count: Type.Integer({ minimum: 1 }), user_ids: Type.Optional(Type.Array(Type.String())) }))),
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
    me: Type.Object({ role: MemberRole, rank: Type.Optional(Rank), last_read_seq: Type.Integer({ minimum: 0 }), unread_count: Type.Integer({ minimum: 0 }) }),
  },
  { $id: 'Conversation' },
);

export const Member = Type.Object({ user_id: Type.String(), role: MemberRole, rank: Type.Optional(Rank), joined_at: Timestamp() }, { $id: 'Member' });

export const Presence = Type.Object({ user_id: Type.String(), status: PresenceStatus, last_seen_at: Nullable(Timestamp()) }, { $id: 'Presence' });

export const ConversationPage = Type.Object({ conversations: Type.Array(Conversation), next_cursor: Nullable(Type.String()) }, { $id: 'ConversationPage' });
export const MemberPage = Type.Object({ members: Type.Array(Member), next_cursor: Nullable(Type.String()) }, { $id: 'MemberPage' });
export const History = Type.Object({ messages: Type.Array(Message), has_more: Type.Boolean() }, { $id: 'History' });
/** Extension (issue 13.3): messages matching a search, newest first; next_cursor null on the last page. */
export const SearchResults = Type.Object({ messages: Type.Array(Message), next_cursor: Nullable(Type.String()) }, { $id: 'SearchResults' });
export const Revisions = Type.Object(
  { conversation_id: Type.String(), seq: Type.Integer({ minimum: 1 }), revisions: Type.Array(Type.Object({ entry_seq: Type.Integer({ minimum: 1 }), text: Type.String(), replaced_at: Timestamp() })) },
  { $id: 'Revisions', description: 'the texts an edited message had before each edit, oldest first (moderators only)' },
);
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
        ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'METHOD_NOT_ALLOWED', 'CONFLICT', 'PAYLOAD_TOO_LARGE', 'RATE_LIMITED', 'UNAVAILABLE', 'MUTED', 'SLOW_MODE', 'BANNED', 'ANNOUNCEMENT_ONLY'].map((c) => Type.Literal(c)),
      ),
      message: Type.String(),
      retry_after: Type.Optional(Type.Integer({ minimum: 1, description: 'MUTED and SLOW_MODE: seconds until a send may succeed' })),
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

/** One-time-code sign-in (docs/adr/0012): the answer to a code request, the same whether or not an account exists. */
export const CodeSent = Type.Object({ expires_in: Type.Integer({ minimum: 1, description: 'seconds the code is valid' }) }, { $id: 'CodeSent' });

export const CodeAuthResult = Type.Object(
  {
    user: User,
    access_token: Type.String(),
    refresh_token: Type.String(),
    expires_in: Type.Integer({ minimum: 1, description: 'seconds until the access token expires' }),
    new_user: Type.Boolean({ description: 'this sign-in created the account' }),
  },
  { $id: 'CodeAuthResult' },
);

export const Identity = Type.Object(
  { channel: Type.Union([Type.Literal('sms'), Type.Literal('email')]), destination: Type.String(), verified_at: Timestamp() },
  { $id: 'Identity' },
);

export const IdentityResult = Type.Object({ identity: Identity }, { $id: 'IdentityResult' });

export const IdentityList = Type.Object({ identities: Type.Array(Identity) }, { $id: 'IdentityList' });
