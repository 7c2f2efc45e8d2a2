import { validationFailed } from '@parley/domain';

/*
 * Checks for decoded proto values. The proto schema already guarantees each scalar's JS type;
 * these check what it cannot: string unions, required sub-messages, integer ranges. A failed
 * check is a VALIDATION_FAILED DomainError: on a server that answers INVALID_ARGUMENT, on a
 * client the channel turns it into an RpcError (a peer that sends a bad response is a bug there).
 */

export function oneOf<T extends string>(value: string, allowed: readonly T[], field: string): T {
  const match = allowed.find((candidate) => candidate === value);
  if (match === undefined) throw validationFailed(`${field} must be one of ${allowed.join(', ')}`);
  return match;
}

/** A required sub-message (proto3 message fields have presence; absent decodes as null). */
export function required<T>(value: T | null | undefined, field: string): T {
  if (value === null || value === undefined) throw validationFailed(`${field} is required`);
  return value;
}

/** A count, seq or limit: int64/int32 decoded as a number must be a safe, non-negative integer. */
export function count(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw validationFailed(`${field} must be a non-negative integer`);
  return value;
}

/** proto3 `optional`: absent decodes as undefined (or null), which the TS types spell null. */
export const orNull = <T>(value: T | null | undefined): T | null => value ?? null;

/** Wire shape of a proto3 `optional` field or sub-message, as sent (null and undefined both mean absent). */
export type Maybe<T> = T | null | undefined;
