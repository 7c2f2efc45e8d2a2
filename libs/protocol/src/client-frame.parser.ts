import { isRecord } from './fields';
import { sendBodyOf } from './rest-body.validators';
import { ClientFrame } from './frames';
import { invalid, Result } from './result';
import { CLIENT_FRAME_SCHEMAS } from './schema/client-frames.schema';
import { check } from './schema/validate';
import { knownCallFrame } from './schema/call-frames.schema';

/**
 * Parses one text frame from a client against the contract's frame schemas. Unknown extra fields
 * are ignored (and not copied into the result). Text is measured in code points (see `Limits`).
 * A `send` frame that fails but carried a string `client_msg_id` returns it, so the error frame
 * can name the send.
 */
export function parseClientFrame(text: string): Result<ClientFrame> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return invalid(`frame is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isRecord(data)) return invalid('frame must be a JSON object');
  const echo = ECHOED.has(String(data.type)) && typeof data.client_msg_id === 'string' ? data.client_msg_id : undefined;
  const type = data.type;
  if (type === undefined) return invalid('frame has no type');
  if (typeof type !== 'string' || !Object.hasOwn(CLIENT_FRAME_SCHEMAS, type)) return invalid(`unknown frame type ${JSON.stringify(String(type)).slice(0, 80)}`);
  const checked = check(CLIENT_FRAME_SCHEMAS[type as keyof typeof CLIENT_FRAME_SCHEMAS], data, 'frame');
  if (!checked.ok) return invalid(checked.message, echo);
  return { ok: true, value: known(checked.value as Record<string, unknown> & ClientFrame) };
}

/** Frames whose error names their client_msg_id. */
const ECHOED = new Set(['send', 'edit', 'delete', 'react']);

/** The frame with only the contract's fields (and null optionals dropped). */
function known(f: Record<string, unknown> & ClientFrame): ClientFrame {
  switch (f.type) {
    case 'send':
      return f.reply_to === undefined || f.reply_to === null
        ? { type: 'send', conversation_id: f.conversation_id, client_msg_id: f.client_msg_id, body: sendBodyOf(f.body) }
        : { type: 'send', conversation_id: f.conversation_id, client_msg_id: f.client_msg_id, body: sendBodyOf(f.body), reply_to: f.reply_to };
    case 'edit':
      return { type: 'edit', conversation_id: f.conversation_id, seq: f.seq, client_msg_id: f.client_msg_id, body: { text: f.body.text } };
    case 'delete':
      return { type: 'delete', conversation_id: f.conversation_id, seq: f.seq, client_msg_id: f.client_msg_id };
    case 'react':
      return { type: 'react', conversation_id: f.conversation_id, seq: f.seq, client_msg_id: f.client_msg_id, emoji: f.emoji, action: f.action };
    case 'sync':
      return f.limit === undefined || f.limit === null
        ? { type: 'sync', conversation_id: f.conversation_id, after_seq: f.after_seq }
        : { type: 'sync', conversation_id: f.conversation_id, after_seq: f.after_seq, limit: f.limit };
    case 'typing':
      return { type: 'typing', conversation_id: f.conversation_id, state: f.state };
    case 'read':
      return { type: 'read', conversation_id: f.conversation_id, seq: f.seq };
    case 'ping':
      return f.nonce === undefined || f.nonce === null ? { type: 'ping' } : { type: 'ping', nonce: f.nonce };
    default:
      return knownCallFrame(f);
  }
}
