import { ConversationDto, MessageDto, PresenceStatus } from './dto';
import { bool, fail, InvalidInput, isRecord, Json, oneOf, record } from './fields';
import { ServerFrame, TypingState } from './frames';
import { invalid, Result } from './result';
import { readCallFrame } from './call-frame.reader';

/**
 * Parses one text frame from the server, for clients. It checks what a client relies on (the
 * fields it reads and their types) and keeps unknown extra fields of messages and conversations,
 * so a newer server can add fields without breaking an older client. Unknown frame types fail.
 */
export function parseServerFrame(text: string): Result<ServerFrame> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return invalid(`server frame is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isRecord(data)) return invalid('server frame must be a JSON object');
  try {
    return { ok: true, value: readServerFrame(data) };
  } catch (e) {
    if (e instanceof InvalidInput) return invalid(`${String(data.type)} frame: ${e.message}`);
    throw e;
  }
}

const s = (o: Json, key: string): string => {
  const v = o[key];
  if (typeof v !== 'string') fail(`${key} must be a string`);
  return v;
};
const n = (o: Json, key: string): number => {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${key} must be a number`);
  return v;
};
const optS = (o: Json, key: string): string | undefined => (o[key] === undefined || o[key] === null ? undefined : s(o, key));
const optN = (o: Json, key: string): number | undefined => (o[key] === undefined || o[key] === null ? undefined : n(o, key));
const nullableS = (o: Json, key: string): string | null => (o[key] === undefined || o[key] === null ? null : s(o, key));

function readMessage(o: Json): MessageDto {
  const body = record(o.body, 'body');
  s(body, 'text');
  for (const k of ['id', 'conversation_id', 'sender_id', 'client_msg_id', 'created_at']) s(o, k);
  n(o, 'seq');
  return o as unknown as MessageDto;
}

function readConversation(o: Json): ConversationDto {
  for (const k of ['id', 'type', 'created_at']) s(o, k);
  n(o, 'last_seq');
  const me = record(o.me, 'me');
  n(me, 'last_read_seq');
  n(me, 'unread_count');
  return o as unknown as ConversationDto;
}

function readServerFrame(o: Json): ServerFrame {
  switch (o.type) {
    case 'hello':
      return { type: 'hello', user_id: s(o, 'user_id'), session_id: s(o, 'session_id'), heartbeat_ms: n(o, 'heartbeat_ms') };
    case 'ack': {
      const base = { type: 'ack' as const, client_msg_id: s(o, 'client_msg_id'), conversation_id: s(o, 'conversation_id') };
      const status = oneOf(o, 'status', ['received', 'persisted'] as const);
      if (status === 'received') return { ...base, status };
      return { ...base, status, seq: n(o, 'seq'), message_id: s(o, 'message_id'), created_at: s(o, 'created_at') };
    }
    case 'message':
      return { ...readMessage(o), type: 'message' };
    case 'sync.done':
      return { type: 'sync.done', conversation_id: s(o, 'conversation_id'), last_seq: n(o, 'last_seq'), has_more: bool(o, 'has_more') };
    case 'typing':
      return {
        type: 'typing',
        conversation_id: s(o, 'conversation_id'),
        user_id: s(o, 'user_id'),
        state: oneOf<TypingState>(o, 'state', ['start', 'stop']),
      };
    case 'read': {
      const user_id = optS(o, 'user_id');
      const read_by = optN(o, 'read_by');
      return {
        type: 'read',
        conversation_id: s(o, 'conversation_id'),
        seq: n(o, 'seq'),
        ...(user_id === undefined ? {} : { user_id }),
        ...(read_by === undefined ? {} : { read_by }),
      };
    }
    case 'pong': {
      const nonce = o.nonce;
      return typeof nonce === 'string' || typeof nonce === 'number' ? { type: 'pong', nonce } : { type: 'pong' };
    }
    case 'presence':
      return {
        type: 'presence',
        user_id: s(o, 'user_id'),
        status: oneOf<PresenceStatus>(o, 'status', ['online', 'offline']),
        last_seen_at: nullableS(o, 'last_seen_at'),
      };
    case 'conversation': {
      const event = oneOf(o, 'event', ['added', 'removed'] as const);
      const conversation = record(o.conversation, 'conversation');
      if (event === 'added') return { type: 'conversation', event, conversation: readConversation(conversation) };
      return { type: 'conversation', event, conversation: { ...conversation, id: s(conversation, 'id') } };
    }
    case 'error': {
      const client_msg_id = optS(o, 'client_msg_id');
      const call_id = optS(o, 'call_id');
      const conversation_id = optS(o, 'conversation_id');
      return {
        type: 'error',
        code: s(o, 'code'),
        message: typeof o.message === 'string' ? o.message : '',
        ...(client_msg_id === undefined ? {} : { client_msg_id }),
        ...(call_id === undefined ? {} : { call_id }),
        ...(conversation_id === undefined ? {} : { conversation_id }),
        ...(Number.isSafeInteger(o.retry_after) && (o.retry_after as number) >= 1 ? { retry_after: o.retry_after as number } : {}),
      };
    }
    default:
      if (typeof o.type === 'string' && o.type.startsWith('call.')) return readCallFrame(o);
      return fail(`unknown frame type ${JSON.stringify(String(o.type)).slice(0, 80)}`);
  }
}
