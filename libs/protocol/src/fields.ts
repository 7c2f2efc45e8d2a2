import { Limits } from './constants';
import { Result } from './result';

/**
 * Small readers for untrusted JSON. Each either returns the checked value or throws
 * `InvalidInput`, which `validated()` turns into a failed Result; any other error propagates.
 */
export class InvalidInput extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInput';
  }
}

export function fail(message: string): never {
  throw new InvalidInput(message);
}

export function validated<T>(read: () => T): Result<T> {
  try {
    return { ok: true, value: read() };
  } catch (e) {
    if (e instanceof InvalidInput) return { ok: false, message: e.message };
    throw e;
  }
}

export type Json = Record<string, unknown>;

export function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function record(v: unknown, what: string): Json {
  if (!isRecord(v)) fail(`${what} must be a JSON object`);
  return v;
}

/** Length in Unicode code points: the contract's "characters". */
export function charLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++, n++) {
    const unit = s.charCodeAt(i);
    const isHigh = unit >= 0xd800 && unit <= 0xdbff;
    if (isHigh && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return n;
}

/**
 * True when a string can be stored and sent back as it came: no NUL (Postgres text refuses it) and
 * no unpaired UTF-16 surrogate (UTF-8 cannot encode one; stores would keep U+FFFD instead).
 */
export function isCleanText(s: string): boolean {
  return !s.includes('\u0000') && (s as string & { isWellFormed(): boolean }).isWellFormed();
}

/** Refuses text that could not be stored faithfully (see isCleanText). */
export function cleanText(key: string, s: string): string {
  if (!isCleanText(s)) fail(`${key} must not contain NUL characters or unpaired surrogates`);
  return s;
}

export interface StringBounds {
  min?: number;
  max: number;
}

export function str(o: Json, key: string, bounds: StringBounds): string {
  const v = o[key];
  if (v === undefined || v === null) fail(`${key} is required`);
  if (typeof v !== 'string') fail(`${key} must be a string`);
  const min = bounds.min ?? 1;
  // Cheap pre-check on UTF-16 units before counting code points: a code point is 1 or 2 units.
  if (v.length > bounds.max * 2) fail(`${key} must be at most ${bounds.max} characters`);
  const n = charLength(v);
  if (n < min) fail(min === 1 ? `${key} must not be empty` : `${key} must be at least ${min} characters`);
  if (n > bounds.max) fail(`${key} must be at most ${bounds.max} characters`);
  return cleanText(key, v);
}

export function optStr(o: Json, key: string, bounds: StringBounds): string | undefined {
  return o[key] === undefined || o[key] === null ? undefined : str(o, key, bounds);
}

export const id = (o: Json, key: string): string => str(o, key, { max: Limits.ID_MAX });

export function int(o: Json, key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[key];
  if (v === undefined || v === null) fail(`${key} is required`);
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(`${key} must be an integer`);
  if (v < min || v > max) fail(`${key} must be between ${min} and ${max}`);
  return v;
}

export function optInt(o: Json, key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  return o[key] === undefined || o[key] === null ? undefined : int(o, key, min, max);
}

export function bool(o: Json, key: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') fail(`${key} must be a boolean`);
  return v;
}

export function oneOf<T extends string>(o: Json, key: string, allowed: readonly T[]): T {
  const v = o[key];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    fail(`${key} must be one of ${allowed.join(', ')}`);
  }
  return v as T;
}

export function idList(o: Json, key: string, minItems: number, maxItems: number): string[] {
  const v = o[key];
  if (v === undefined || v === null) fail(`${key} is required`);
  if (!Array.isArray(v)) fail(`${key} must be an array of ids`);
  if (v.length < minItems) fail(`${key} must have at least ${minItems} item${minItems === 1 ? '' : 's'}`);
  if (v.length > maxItems) fail(`${key} must have at most ${maxItems} items`);
  return v.map((item, i) => {
    if (typeof item !== 'string' || item.length === 0 || item.length > Limits.ID_MAX) {
      fail(`${key}[${i}] must be a non-empty id of at most ${Limits.ID_MAX} characters`);
    }
    return cleanText(`${key}[${i}]`, item);
  });
}
