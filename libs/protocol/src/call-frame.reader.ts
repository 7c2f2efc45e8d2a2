import { fail, isRecord, Json } from './fields';
import type { CallServerFrame } from './schema/call-frames.schema';

/**
 * What a client relies on in each call frame from the server: its string, string-list, number and
 * object fields. Hand-written, like the rest of the client's frame reader, so that the browser
 * bundle carries no schema validator; `call-frame.reader.spec.ts` keeps it in step with the
 * frames' schemas (the contract).
 */
export const CALL_FRAME_FIELDS: Record<string, { strings: string[]; lists?: string[]; numbers?: string[]; objects?: string[] }> = {
  'call.ringing': { strings: ['call_id', 'conversation_id', 'media'], lists: ['callee_ids', 'busy_ids'] },
  'call.incoming': { strings: ['call_id', 'conversation_id', 'media', 'caller_id'] },
  'call.joined': { strings: ['call_id', 'conversation_id', 'user_id'], lists: ['joined_ids'] },
  'call.dismissed': { strings: ['call_id', 'reason'] },
  'call.declined': { strings: ['call_id', 'user_id', 'reason'] },
  'call.left': { strings: ['call_id', 'user_id'] },
  'call.ended': { strings: ['call_id', 'conversation_id', 'reason'], numbers: ['duration_ms'] },
  'call.sdp': { strings: ['call_id', 'from_user_id', 'sdp_type', 'sdp'] },
  'call.ice': { strings: ['call_id', 'from_user_id'], objects: ['candidate'] },
};

/** Checks a call frame's fields (extra fields are kept); throws InvalidInput on a bad one. */
export function readCallFrame(o: Json): CallServerFrame {
  const type = String(o.type);
  const fields = CALL_FRAME_FIELDS[type];
  if (!fields) return fail(`unknown frame type ${JSON.stringify(type).slice(0, 80)}`);
  for (const k of fields.strings) if (typeof o[k] !== 'string') fail(`frame.${k} must be a string`);
  for (const k of fields.lists ?? []) {
    const v = o[k];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) fail(`frame.${k} must be a list of strings`);
  }
  for (const k of fields.numbers ?? []) {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(`frame.${k} must be a non-negative integer`);
  }
  for (const k of fields.objects ?? []) if (!isRecord(o[k])) fail(`frame.${k} must be an object`);
  return o as unknown as CallServerFrame;
}
