import { validationFailed } from '@parley/domain';

/**
 * Argument checks shared by every adapter of the ports, embedded and real: bad input is a
 * VALIDATION_FAILED before anything reaches a server, never a driver error or a crash.
 */
export const MAX_ID_LENGTH = 256;
export const MAX_TTL_MS = 24 * 60 * 60 * 1000;

export function checkId(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH) {
    throw validationFailed(`${name} must be a string of 1..${MAX_ID_LENGTH} characters`);
  }
}

export function checkTtl(ttlMs: unknown): asserts ttlMs is number {
  if (!Number.isInteger(ttlMs) || (ttlMs as number) < 1 || (ttlMs as number) > MAX_TTL_MS) {
    throw validationFailed(`ttlMs must be an integer in 1..${MAX_TTL_MS}`);
  }
}

export function checkNonNegativeInteger(name: string, value: unknown): asserts value is number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw validationFailed(`${name} must be a non-negative integer`);
}

export function checkPositiveInteger(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > max) {
    throw validationFailed(`${name} must be an integer in 1..${max}`);
  }
}
