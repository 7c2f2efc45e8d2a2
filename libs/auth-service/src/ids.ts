/** Bound on an id accepted from outside (ours are 36-character UUIDs). */
const MAX_ID_LENGTH = 128;

/** A string that could be one of our ids; anything else names nothing. */
export function isBoundedId(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_ID_LENGTH;
}
