import { Limits } from './constants';
import { charLength, isRecord } from './fields';
import { invalid, ok, Result } from './result';
import { Id } from './schema/primitives';
import { AddMembersBody, CreateAttachmentBody, CreateDirectBody, CreateGroupBody, DeleteMessageBody, EditMessageBody, LoginBody, ReactionBody, ReadMarkerBody, RefreshBody, RegisterBody, SendMessageBody } from './schema/rest-bodies.schema';
import { check } from './schema/validate';

/**
 * Validators of REST request bodies (already JSON-parsed, so any JSON value may arrive).
 * They return new objects holding only the known fields.
 */

export interface RegisterInput {
  /** Lower-cased: usernames are matched case-insensitively. */
  username: string;
  password: string;
  display_name?: string;
}

export interface LoginInput {
  username: string;
  password: string;
}

export interface RefreshInput {
  refresh_token: string;
}

export type CreateConversationInput =
  | { type: 'direct'; member_ids: [string] }
  | { type: 'group'; title: string; member_ids: string[]; anonymous?: 'off' | 'allowed' };

export interface AddMembersInput {
  user_ids: string[];
  /** Issue 14: join under pseudonyms (anonymous-allowed groups). */
  anonymous?: boolean;
}

export interface SendMessageInput {
  client_msg_id: string;
  body: SendBodyInput;
  reply_to?: number;
}

/** A message body as a client sends it: attachments are references, resolved by the gateway. */
export interface SendBodyInput {
  text: string;
  attachments?: Array<{ id: string }>;
}

/** The body with only the contract's fields (attachments only when there are some). */
export const sendBodyOf = (b: SendBodyInput): SendBodyInput =>
  b.attachments && b.attachments.length > 0 ? { text: b.text, attachments: b.attachments.map((a) => ({ id: a.id })) } : { text: b.text };

export interface CreateAttachmentInput {
  content_type: string;
  size: number;
}

/** Issue 13: an edit's new text, a delete, a reaction; each with its own client_msg_id. */
export interface EditMessageInput {
  client_msg_id: string;
  body: { text: string };
}

export interface DeleteMessageInput {
  client_msg_id: string;
}

export interface ReactionInput {
  client_msg_id: string;
  emoji: string;
}

export interface ReadMarkerInput {
  seq: number;
}

export function normalizeUsername(raw: string): string {
  return raw.toLowerCase();
}

/** A successful check, then the normalisation the contract asks for (trimming, lower-casing). */
function then<T, U>(r: Result<T>, f: (value: T) => Result<U>): Result<U> {
  return r.ok ? f(r.value) : r;
}

export const validateRegister = (input: unknown): Result<RegisterInput> =>
  then(check(RegisterBody, input, 'body'), (o) => {
    const username = normalizeUsername(o.username);
    if (o.display_name === undefined || o.display_name === null) return ok({ username, password: o.password });
    const trimmed = o.display_name.trim();
    if (trimmed.length === 0) return invalid('display_name must not be blank');
    if (charLength(trimmed) > Limits.DISPLAY_NAME_MAX) return invalid(`display_name must be at most ${Limits.DISPLAY_NAME_MAX} characters`);
    return ok({ username, password: o.password, display_name: trimmed });
  });

/** Login checks only types and bounds: a username of the wrong form simply matches no one (401). */
export const validateLogin = (input: unknown): Result<LoginInput> =>
  then(check(LoginBody, input, 'body'), (o) => ok({ username: normalizeUsername(o.username), password: o.password }));

export const validateRefresh = (input: unknown): Result<RefreshInput> => then(check(RefreshBody, input, 'body'), (o) => ok({ refresh_token: o.refresh_token }));

export const validateCreateConversation = (input: unknown): Result<CreateConversationInput> => {
  const type = isRecord(input) ? input.type : undefined;
  if (type === 'direct') return then(check(CreateDirectBody, input, 'body'), (o) => ok({ type: 'direct', member_ids: [o.member_ids[0]] }));
  if (type === 'group') {
    return then(check(CreateGroupBody, input, 'body'), (o) => {
      const title = o.title.trim();
      if (title.length === 0) return invalid('title must not be blank');
      return ok(o.anonymous === undefined ? { type: 'group', title, member_ids: [...o.member_ids] } : { type: 'group', title, member_ids: [...o.member_ids], anonymous: o.anonymous });
    });
  }
  return invalid(isRecord(input) ? 'type must be direct or group' : 'body must be a JSON object');
};

export const validateAddMembers = (input: unknown): Result<AddMembersInput> =>
  then(check(AddMembersBody, input, 'body'), (o) => ok(o.anonymous === undefined ? { user_ids: [...o.user_ids] } : { user_ids: [...o.user_ids], anonymous: o.anonymous }));

export const validateSendMessage = (input: unknown): Result<SendMessageInput> =>
  then(check(SendMessageBody, input, 'body'), (o) =>
    ok(o.reply_to === undefined || o.reply_to === null ? { client_msg_id: o.client_msg_id, body: sendBodyOf(o.body) } : { client_msg_id: o.client_msg_id, body: sendBodyOf(o.body), reply_to: o.reply_to }));

export const validateEditMessage = (input: unknown): Result<EditMessageInput> =>
  then(check(EditMessageBody, input, 'body'), (o) => ok({ client_msg_id: o.client_msg_id, body: { text: o.body.text } }));

export const validateDeleteMessage = (input: unknown): Result<DeleteMessageInput> => then(check(DeleteMessageBody, input, 'body'), (o) => ok({ client_msg_id: o.client_msg_id }));

export const validateReaction = (input: unknown): Result<ReactionInput> => then(check(ReactionBody, input, 'body'), (o) => ok({ client_msg_id: o.client_msg_id, emoji: o.emoji }));

export const validateCreateAttachment = (input: unknown): Result<CreateAttachmentInput> =>
  then(check(CreateAttachmentBody, input, 'body'), (o) => ok({ content_type: o.content_type, size: o.size }));

export const validateReadMarker = (input: unknown): Result<ReadMarkerInput> => then(check(ReadMarkerBody, input, 'body'), (o) => ok({ seq: o.seq }));

const ID = Id();

/** Validates a path or query id (conversation or user). */
export const validateId = (value: unknown, what = 'id'): Result<string> => check(ID, value, what);
