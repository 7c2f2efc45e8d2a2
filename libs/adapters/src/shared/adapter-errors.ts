import { DomainError } from '@parley/domain';

/** The message of any thrown value, for error texts and logs. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * UNAVAILABLE with the driver's error kept as `cause`: callers branch on one code (retry, back
 * off, answer 503), while logs keep what the driver said.
 */
export function unavailableFrom(what: string, cause: unknown): DomainError {
  const error = new DomainError('UNAVAILABLE', `${what}: ${messageOf(cause)}`);
  error.cause = cause;
  return error;
}

/**
 * Settles like `promise`, or rejects with UNAVAILABLE after `ms`. It bounds how long a caller
 * waits; the operation itself is not cancelled (each adapter bounds that with its driver's own
 * timeouts).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DomainError('UNAVAILABLE', `${what}: no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A promise that resolves after `ms`, or at once when `signal` aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    signal?.addEventListener('abort', done, { once: true });
  });
}
