import { Limits } from './constants';
import { cleanText, fail, id, int, InvalidInput, isRecord, Json, optInt, record, str } from './fields';
import { ClientFrame, PingFrame, SendFrame, SyncFrame, TypingFrame, ReadFrame } from './frames';
import { invalid, Result } from './result';

/**
 * Parses one text frame from a client. Unknown extra fields are ignored (and not copied into
 * the result). Text is measured in code points (see `Limits`). A `send` frame that fails but
 * carried a string `client_msg_id` returns it, so the error frame can name the send.
 */
export function parseClientFrame(text: string): Result<ClientFrame> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return invalid(`frame is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isRecord(data)) return invalid('frame must be a JSON object');
  const echo = data.type === 'send' && typeof data.client_msg_id === 'string' ? data.client_msg_id : undefined;
  try {
    return { ok: true, value: readClientFrame(data) };
  } catch (e) {
    if (e instanceof InvalidInput) return invalid(e.message, echo);
    throw e;
  }
}

function readClientFrame(o: Json): ClientFrame {
  switch (o.type) {
    case 'send':
      return readSend(o);
    case 'sync':
      return readSync(o);
    case 'typing':
      return readTyping(o);
    case 'read':
      return { type: 'read', conversation_id: id(o, 'conversation_id'), seq: int(o, 'seq') } satisfies ReadFrame;
    case 'ping':
      return readPing(o);
    case undefined:
      return fail('frame has no type');
    default:
      return fail(`unknown frame type ${JSON.stringify(String(o.type)).slice(0, 80)}`);
  }
}

function readSend(o: Json): SendFrame {
  const conversation_id = id(o, 'conversation_id');
  const client_msg_id = str(o, 'client_msg_id', { max: Limits.CLIENT_MSG_ID_MAX });
  const body = record(o.body, 'body');
  const text = str(body, 'text', { max: Limits.TEXT_MAX_CHARS });
  return { type: 'send', conversation_id, client_msg_id, body: { text } };
}

function readSync(o: Json): SyncFrame {
  const conversation_id = id(o, 'conversation_id');
  const after_seq = int(o, 'after_seq');
  const limit = optInt(o, 'limit', 1, Limits.SYNC_MAX_LIMIT);
  return limit === undefined ? { type: 'sync', conversation_id, after_seq } : { type: 'sync', conversation_id, after_seq, limit };
}

function readTyping(o: Json): TypingFrame {
  const conversation_id = id(o, 'conversation_id');
  if (o.state !== 'start' && o.state !== 'stop') fail('state must be start or stop');
  return { type: 'typing', conversation_id, state: o.state };
}

function readPing(o: Json): PingFrame {
  const nonce = o.nonce;
  if (nonce === undefined || nonce === null) return { type: 'ping' };
  if (typeof nonce === 'number') {
    if (!Number.isFinite(nonce)) fail('nonce must be a finite number or a string');
    return { type: 'ping', nonce };
  }
  if (typeof nonce === 'string') {
    if (nonce.length > Limits.NONCE_MAX) fail(`nonce must be at most ${Limits.NONCE_MAX} characters`);
    return { type: 'ping', nonce: cleanText('nonce', nonce) };
  }
  return fail('nonce must be a string or a number');
}
