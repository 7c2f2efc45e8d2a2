import { validationFailed } from '@parley/domain';
import { isCleanText, Limits } from '@parley/protocol';

/**
 * Keyset cursors of the moderation lists (docs/api/v1.md: a cursor is valid only as the server
 * wrote it; anything else is a 400). Reports and audit entries page by their id (a decimal
 * string); bans by user id (base64url).
 */
export function decodeIdCursor(cursor: string | null): string | null {
  if (cursor === null) return null;
  if (!/^[1-9][0-9]{0,17}$/.test(cursor)) throw validationFailed('invalid cursor');
  return cursor;
}

export const encodeUserCursor = (userId: string): string => Buffer.from(userId, 'utf8').toString('base64url');

export function decodeUserCursor(cursor: string | null): string | null {
  if (cursor === null) return null;
  const id = /^[A-Za-z0-9_-]{1,400}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (id.length === 0 || id.length > Limits.ID_MAX || !isCleanText(id) || encodeUserCursor(id) !== cursor) throw validationFailed('invalid cursor');
  return id;
}
