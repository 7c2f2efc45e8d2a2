/** A Json column's value as the object it must be. */
export function toJsonObject<T extends object>(v: unknown): T {
  const parsed: unknown = typeof v === 'string' ? JSON.parse(v) : v;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('expected a JSON object column');
  return parsed as T;
}
