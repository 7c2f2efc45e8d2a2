import type { TSchema } from '@sinclair/typebox';
import { Limits } from '../constants';
import * as A from '../schema/attachments.schema';
import * as P from '../schema/push-bodies.schema';
import * as B from '../schema/rest-bodies.schema';
import * as C from '../schema/code-bodies.schema';
import * as R from '../schema/responses.schema';
import { MODERATION_OPERATIONS } from './moderation-operations';

export interface QueryParam {
  name: string;
  required?: boolean;
  schema: Record<string, unknown>;
  description?: string;
}

/** One REST operation of the contract, as the OpenAPI document and the route check see it. */
export interface RestOperation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The gateway router's pattern (`:id`); the document writes `{id}`. */
  path: string;
  summary: string;
  /** False for sign-up, sign-in, refresh and the public documents. */
  auth: boolean;
  body?: TSchema | { oneOf: TSchema[] };
  query?: QueryParam[];
  /** Success statuses and their schemas (null: no body). */
  ok: Array<[number, TSchema | null]>;
  /** Error statuses this operation answers besides the ones every operation may (see COMMON_ERRORS). */
  errors: number[];
}

const limit = (max: number, dflt: number): QueryParam => ({ name: 'limit', schema: { type: 'integer', minimum: 1, maximum: max, default: dflt } });
const cursor: QueryParam = { name: 'cursor', schema: { type: 'string', maxLength: Limits.TOKEN_MAX, pattern: '^[A-Za-z0-9_-]*$' }, description: 'next_cursor of the previous page' };
const seqParam = (name: string, required = false): QueryParam => ({ name, required, schema: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } });

/** Every REST operation the gateway serves under /v1 (and the JWKS). Kept in step with the router by a test. */
export const REST_OPERATIONS: RestOperation[] = [
  { method: 'POST', path: '/v1/auth/register', summary: 'Sign up', auth: false, body: B.RegisterBody, ok: [[201, R.AuthResult]], errors: [409] },
  { method: 'POST', path: '/v1/auth/login', summary: 'Sign in', auth: false, body: B.LoginBody, ok: [[200, R.AuthResult]], errors: [401] },
  { method: 'POST', path: '/v1/auth/refresh', summary: 'Rotate the refresh token', auth: false, body: B.RefreshBody, ok: [[200, R.AuthResult]], errors: [401] },
  { method: 'POST', path: '/v1/auth/logout', summary: "End the caller's session (its sockets close with 4401)", auth: true, ok: [[204, null]], errors: [] },
  { method: 'GET', path: '/.well-known/jwks.json', summary: 'Public keys that verify access tokens', auth: false, ok: [[200, R.Jwks]], errors: [] },
  { method: 'GET', path: '/v1/openapi.json', summary: 'This document', auth: false, ok: [[200, null]], errors: [] },
  { method: 'GET', path: '/v1/asyncapi.json', summary: 'The WebSocket contract (AsyncAPI 3.0)', auth: false, ok: [[200, null]], errors: [] },
  { method: 'GET', path: '/v1/me', summary: 'The caller', auth: true, ok: [[200, R.User]], errors: [] },
  { method: 'GET', path: '/v1/users', summary: 'Find a user by username (exact, case-insensitive)', auth: true, query: [{ name: 'username', required: true, schema: { type: 'string', minLength: 1, maxLength: 64 } }], ok: [[200, R.UserLookup]], errors: [404] },
  { method: 'GET', path: '/v1/users/:id', summary: 'A user', auth: true, ok: [[200, R.User]], errors: [404] },
  { method: 'GET', path: '/v1/users/:id/presence', summary: "A user's presence (only to people who share a conversation with them)", auth: true, ok: [[200, R.Presence]], errors: [404] },
  { method: 'POST', path: '/v1/conversations', summary: 'Create a direct (200 when it exists) or group conversation', auth: true, body: { oneOf: [B.CreateDirectBody, B.CreateGroupBody] }, ok: [[201, R.Conversation], [200, R.Conversation]], errors: [403, 404] },
  { method: 'GET', path: '/v1/conversations', summary: "The caller's conversations, most recently active first", auth: true, query: [limit(Limits.HISTORY_MAX_LIMIT, 50), cursor], ok: [[200, R.ConversationPage]], errors: [] },
  { method: 'GET', path: '/v1/conversations/:id', summary: 'A conversation the caller belongs to', auth: true, ok: [[200, R.Conversation]], errors: [404] },
  { method: 'GET', path: '/v1/conversations/:id/members', summary: 'Members, keyset-paged', auth: true, query: [limit(Limits.HISTORY_MAX_LIMIT, 50), cursor], ok: [[200, R.MemberPage]], errors: [404] },
  { method: 'POST', path: '/v1/conversations/:id/members', summary: 'Add members (group admins)', auth: true, body: B.AddMembersBody, ok: [[200, R.AddMembersResult]], errors: [403, 404] },
  { method: 'DELETE', path: '/v1/conversations/:id/members/:userId', summary: 'Remove a member, or leave', auth: true, ok: [[204, null]], errors: [403, 404] },
  { method: 'POST', path: '/v1/conversations/:id/messages', summary: 'Send (200 with the original when client_msg_id repeats)', auth: true, body: B.SendMessageBody, ok: [[201, R.SendMessageResult], [200, R.SendMessageResult]], errors: [404] },
  { method: 'GET', path: '/v1/conversations/:id/messages', summary: 'History by seq', auth: true, query: [seqParam('after_seq'), seqParam('before_seq'), limit(Limits.HISTORY_MAX_LIMIT, 50)], ok: [[200, R.History]], errors: [404] },
  { method: 'POST', path: '/v1/conversations/:id/read', summary: 'Move the read marker forward', auth: true, body: B.ReadMarkerBody, ok: [[204, null]], errors: [404] },
  { method: 'GET', path: '/v1/conversations/:id/read-receipts', summary: '"Read by N" at a seq', auth: true, query: [{ ...seqParam('seq', true), schema: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } }], ok: [[200, R.ReadReceipts]], errors: [404] },
  // Message lifecycle (issue 13, docs/adr/0010-message-lifecycle.md): each change is an entry with its own seq, answered like a send.
  { method: 'PATCH', path: '/v1/conversations/:id/messages/:seq', summary: "Edit one's own message (201 with the edit entry; 200 with it when client_msg_id repeats)", auth: true, body: B.EditMessageBody, ok: [[201, R.SendMessageResult], [200, R.SendMessageResult]], errors: [403, 404] },
  { method: 'DELETE', path: '/v1/conversations/:id/messages/:seq', summary: 'Delete a message (its sender or an admin): a tombstone, the body removed', auth: true, body: B.DeleteMessageBody, ok: [[201, R.SendMessageResult], [200, R.SendMessageResult]], errors: [403, 404] },
  { method: 'POST', path: '/v1/conversations/:id/messages/:seq/reactions', summary: 'Add a reaction (409 when the caller has it already)', auth: true, body: B.ReactionBody, ok: [[201, R.SendMessageResult], [200, R.SendMessageResult]], errors: [404, 409] },
  { method: 'DELETE', path: '/v1/conversations/:id/messages/:seq/reactions', summary: "Remove the caller's reaction (404 when the caller has none)", auth: true, body: B.ReactionBody, ok: [[201, R.SendMessageResult], [200, R.SendMessageResult]], errors: [404] },
  { method: 'GET', path: '/v1/conversations/:id/messages/:seq/replies', summary: 'The replies to a message, ascending, keyset-paged by after_seq', auth: true, query: [seqParam('after_seq'), limit(Limits.REPLIES_MAX_LIMIT, 50)], ok: [[200, R.History]], errors: [404] },
  { method: 'GET', path: '/v1/search/messages', summary: "Full-text search over the caller's conversations (all, or conversation_id), newest first, keyset-paged", auth: true, query: [{ name: 'q', required: true, schema: { type: 'string', minLength: 1, maxLength: Limits.SEARCH_Q_MAX_CHARS }, description: 'words that must all occur (at most SEARCH_Q_MAX_WORDS)' }, { name: 'conversation_id', schema: { type: 'string', minLength: 1, maxLength: Limits.ID_MAX } }, limit(Limits.HISTORY_MAX_LIMIT, 50), cursor], ok: [[200, R.SearchResults]], errors: [404] },
  { method: 'GET', path: '/v1/conversations/:id/messages/:seq/revisions', summary: 'The texts an edited message had (admins only)', auth: true, ok: [[200, R.Revisions]], errors: [403, 404] },
  // The push extension (devices and notification settings).
  { method: 'GET', path: '/v1/me/devices', summary: "The caller's push devices", auth: true, ok: [[200, R.DeviceList]], errors: [] },
  { method: 'POST', path: '/v1/me/devices', summary: 'Register a push token for the current session', auth: true, body: P.RegisterDeviceBody, ok: [[200, R.DeviceResult]], errors: [] },
  { method: 'DELETE', path: '/v1/me/devices', summary: 'Unregister a push token', auth: true, body: P.UnregisterDeviceBody, ok: [[204, null]], errors: [] },
  { method: 'GET', path: '/v1/me/notification-settings', summary: "The caller's notification preferences", auth: true, ok: [[200, R.NotificationPrefs]], errors: [] },
  { method: 'PUT', path: '/v1/me/notification-settings', summary: 'Hide or show message previews in pushes', auth: true, body: P.NotificationPrefsBody, ok: [[200, R.NotificationPrefs]], errors: [] },
  { method: 'GET', path: '/v1/conversations/:id/notifications', summary: "The caller's notification level and mute for a conversation", auth: true, ok: [[200, R.ConversationNotifications]], errors: [404] },
  { method: 'PUT', path: '/v1/conversations/:id/notifications', summary: 'Set the notification level or mute a conversation', auth: true, body: P.ConversationNotificationBody, ok: [[200, R.ConversationNotifications]], errors: [404] },
  // One-time-code sign-in (docs/adr/0012).
  { method: 'POST', path: '/v1/auth/code/request', summary: 'Send a one-time sign-in code to a phone number or e-mail address', auth: false, body: { oneOf: [C.SmsCodeRequestBody, C.EmailCodeRequestBody] }, ok: [[202, R.CodeSent]], errors: [] },
  { method: 'GET', path: '/v1/me/identities', summary: "The caller's verified phone numbers and e-mail addresses", auth: true, ok: [[200, R.IdentityList]], errors: [] },
  { method: 'POST', path: '/v1/me/identities', summary: 'Add a phone number or e-mail address with a code sent to it (200 when already yours)', auth: true, body: { oneOf: [C.SmsCodeVerifyBody, C.EmailCodeVerifyBody] }, ok: [[201, R.IdentityResult], [200, R.IdentityResult]], errors: [409] },
  { method: 'POST', path: '/v1/auth/code/verify', summary: 'Sign in (or up) with a one-time code', auth: false, body: { oneOf: [C.SmsCodeVerifyBody, C.EmailCodeVerifyBody] }, ok: [[200, R.CodeAuthResult]], errors: [401] },
  // The attachments extension.
  { method: 'POST', path: '/v1/conversations/:id/attachments', summary: 'An upload URL for a file the caller will attach to a message', auth: true, body: B.CreateAttachmentBody, ok: [[201, A.AttachmentUpload]], errors: [404] },
  { method: 'GET', path: '/v1/conversations/:id/attachments/:attachmentId', summary: 'Short-lived download URLs of a sent attachment (members only)', auth: true, ok: [[200, A.AttachmentDownload]], errors: [404] },
  // The moderation extension (issue 13.4).
  ...MODERATION_OPERATIONS,
];

/** Errors any operation may answer: bad input, too large, rate limited, a dependency down. */
export const COMMON_ERRORS = [400, 413, 429, 503];
