export interface BackoffOptions {
  /** First delay, ms (default 250). */
  initialMs?: number;
  /** Cap, ms (default 10000). */
  maxMs?: number;
  /** Fraction of each delay that is randomised, 0..1 (default 0.5). */
  jitter?: number;
}

/** Exponential backoff with jitter: attempt n waits about initial·2ⁿ, capped, minus up to `jitter` of it. */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = options.initialMs ?? 250;
  const max = options.maxMs ?? 10_000;
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
  const base = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.round(base * (1 - jitter * random()));
}
