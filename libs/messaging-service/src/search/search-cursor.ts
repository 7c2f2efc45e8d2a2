import { validationFailed } from '@parley/domain';
import { isCleanText, Limits } from '@parley/protocol';

/** Where a page of search results ended: the last hit's (created_at, conversation_id, seq). */
export interface SearchPosition {
  at: string;
  conversation_id: string;
  seq: number;
}

const ISO_MS = /^(?!0000)[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$/;

/** Opaque keyset cursor: base64url of {at, c, s}. */
export function encodeSearchCursor(p: SearchPosition): string {
  return Buffer.from(JSON.stringify({ at: p.at, c: p.conversation_id, s: p.seq }), 'utf8').toString('base64url');
}

/** The position a cursor names; anything this service did not write is a VALIDATION_FAILED (400). */
export function decodeSearchCursor(cursor: string | null): SearchPosition | null {
  if (cursor === null) return null;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof v === 'object' && v !== null) {
      const { at, c, s } = v as { at?: unknown; c?: unknown; s?: unknown };
      const timeOk = typeof at === 'string' && ISO_MS.test(at) && new Date(Date.parse(at)).toISOString() === at;
      const idOk = typeof c === 'string' && c.length > 0 && c.length <= Limits.ID_MAX && isCleanText(c);
      if (timeOk && idOk && typeof s === 'number' && Number.isSafeInteger(s) && s >= 1) return { at: at as string, conversation_id: c as string, seq: s };
    }
  } catch {
    // a garbled cursor is the client's mistake: the error below
  }
  throw validationFailed('invalid cursor');
}
