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
