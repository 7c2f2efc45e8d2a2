import { validationFailed } from '@parley/domain';
import { isCleanText, Limits } from '@parley/protocol';

/** The one form `at` takes in a cursor this service made (Date#toISOString, years 1 to 9999). */
const ISO_MS = /^(?!0000)[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$/;

/** True when `at` is a timestamp exactly as encodeCursor wrote it (so the store can always use it). */
function isCursorTime(at: string): boolean {
  if (!ISO_MS.test(at)) return false;
  const t = Date.parse(at);
  // Round-trips only when every field was in range: 2020-02-30 would come back as March 1st.
  return !Number.isNaN(t) && new Date(t).toISOString() === at;
}

/** Opaque keyset cursors: base64url of {at, id}. A cursor that does not decode is a 400. */
export function encodeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify({ at, id }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | null): { at: string; id: string } | null {
  if (cursor === null) return null;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof v === 'object' && v !== null) {
      const { at, id } = v as { at?: unknown; id?: unknown };
      if (typeof at === 'string' && typeof id === 'string' && isCursorTime(at) && id.length > 0 && id.length <= Limits.ID_MAX && isCleanText(id)) return { at, id };
    }
  } catch {
    // fall through to the validation error below: a garbled cursor is the client's mistake
  }
  throw validationFailed('invalid cursor');
}
