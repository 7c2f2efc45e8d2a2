import { validationFailed } from '@parley/domain';

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
      if (typeof at === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(at))) return { at, id };
    }
  } catch {
    // fall through to the validation error below: a garbled cursor is the client's mistake
  }
  throw validationFailed('invalid cursor');
}
