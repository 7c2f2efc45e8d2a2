import { Limits } from './constants';
import { charLength, fail, id, idList, int, optStr, record, str, validated } from './fields';
import { Result } from './result';

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
  | { type: 'group'; title: string; member_ids: string[] };

export interface AddMembersInput {
  user_ids: string[];
}

export interface SendMessageInput {
  client_msg_id: string;
  body: { text: string };
}

export interface ReadMarkerInput {
  seq: number;
}

const password = (o: Record<string, unknown>) => str(o, 'password', { min: Limits.PASSWORD_MIN, max: Limits.PASSWORD_MAX });

export function normalizeUsername(raw: string): string {
  return raw.toLowerCase();
}

export const validateRegister = (input: unknown): Result<RegisterInput> =>
  validated(() => {
    const o = record(input, 'body');
    const username = normalizeUsername(str(o, 'username', { max: 64 }));
    if (!Limits.USERNAME_RE.test(username)) fail('username must be 3 to 32 of a-z 0-9 _ . -');
    const pw = password(o);
    const displayName = optStr(o, 'display_name', { max: Limits.DISPLAY_NAME_MAX * 2 });
    if (displayName === undefined) return { username, password: pw };
    const trimmed = displayName.trim();
    if (trimmed.length === 0) fail('display_name must not be blank');
    if (charLength(trimmed) > Limits.DISPLAY_NAME_MAX) fail(`display_name must be at most ${Limits.DISPLAY_NAME_MAX} characters`);
    return { username, password: pw, display_name: trimmed };
  });

/** Login checks only types and bounds: a username of the wrong form simply matches no one (401). */
export const validateLogin = (input: unknown): Result<LoginInput> =>
  validated(() => {
    const o = record(input, 'body');
    const username = normalizeUsername(str(o, 'username', { max: 64 }));
    return { username, password: str(o, 'password', { max: Limits.PASSWORD_MAX }) };
  });

export const validateRefresh = (input: unknown): Result<RefreshInput> =>
  validated(() => ({ refresh_token: str(record(input, 'body'), 'refresh_token', { max: Limits.TOKEN_MAX }) }));

export const validateCreateConversation = (input: unknown): Result<CreateConversationInput> =>
  validated(() => {
    const o = record(input, 'body');
    if (o.type === 'direct') {
      const ids = idList(o, 'member_ids', 1, 1);
      return { type: 'direct', member_ids: [ids[0]] };
    }
    if (o.type === 'group') {
      const title = str(o, 'title', { max: Limits.TITLE_MAX }).trim();
      if (title.length === 0) fail('title must not be blank');
      return { type: 'group', title, member_ids: idList(o, 'member_ids', 0, Limits.MEMBER_IDS_MAX) };
    }
    return fail('type must be direct or group');
  });

export const validateAddMembers = (input: unknown): Result<AddMembersInput> =>
  validated(() => ({ user_ids: idList(record(input, 'body'), 'user_ids', 1, Limits.MEMBER_IDS_MAX) }));

export const validateSendMessage = (input: unknown): Result<SendMessageInput> =>
  validated(() => {
    const o = record(input, 'body');
    const client_msg_id = str(o, 'client_msg_id', { max: Limits.CLIENT_MSG_ID_MAX });
    const text = str(record(o.body, 'body'), 'text', { max: Limits.TEXT_MAX_CHARS });
    return { client_msg_id, body: { text } };
  });

export const validateReadMarker = (input: unknown): Result<ReadMarkerInput> =>
  validated(() => ({ seq: int(record(input, 'body'), 'seq') }));

/** Validates a path or query id (conversation or user). */
export const validateId = (value: unknown, what = 'id'): Result<string> =>
  validated(() => id({ [what]: value }, what));
