/**
 * One per provider: opens after `threshold` consecutive failures, stays open `openMs`, then lets
 * one trial through (half-open); a success closes it, a failure opens it again.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | null = null;
  private trialInFlight = false;

  constructor(
    private readonly threshold: number,
    private readonly openMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.openedAt === null) return 'closed';
    return this.now() - this.openedAt >= this.openMs ? 'half-open' : 'open';
  }

  /** Whether a call may go now; in half-open only one at a time. */
  allow(): boolean {
    const s = this.state;
    if (s === 'closed') return true;
    if (s === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  /** Milliseconds until the breaker lets a trial through (0 when closed). */
  retryInMs(): number {
    return this.openedAt === null ? 0 : Math.max(0, this.openMs - (this.now() - this.openedAt));
  }

  success(): void {
    this.failures = 0;
    this.openedAt = null;
    this.trialInFlight = false;
  }

  failure(): void {
    this.trialInFlight = false;
    this.failures++;
    if (this.openedAt !== null || this.failures >= this.threshold) this.openedAt = this.now();
  }
}

/** Exponential backoff with full jitter, never below the provider's Retry-After. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  const jittered = Math.round(random() * ceiling);
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, 3600_000));
}
