/** Both adapters return timestamptz as a Date; a string is accepted too, for safety. */
export function toIso(v: unknown): string {
  const d = v instanceof Date ? v : new Date(String(v));
  if (Number.isNaN(d.getTime())) throw new Error(`not a timestamp: ${String(v)}`);
  return d.toISOString();
}

/** jsonb comes back parsed from both adapters; a string is parsed here. */
export function toJsonObject<T extends object>(v: unknown): T {
  const parsed: unknown = typeof v === 'string' ? JSON.parse(v) : v;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('expected a JSON object column');
  return parsed as T;
}
