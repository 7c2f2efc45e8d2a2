/**
 * Token buckets by key (a user, a client address, an account), for the gateway's fair-share
 * limits. Bounded: at most `maxKeys` buckets, the least recently used go first (a forgotten key
 * starts with a full bucket, so eviction only ever errs toward allowing). A bucket holds `burst`
 * tokens and refills `ratePerSecond`.
 */
export class KeyedBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new Error('KeyedBuckets needs a positive rate and a burst of at least 1');
  }

  /** Takes `cost` tokens for `key` when it has them; false (nothing taken) when it does not. */
  take(key: string, cost = 1): boolean {
    const b = this.refilled(key);
    if (b.tokens < cost) return false;
    b.tokens -= cost;
    return true;
  }

  /** Charges `cost` whether or not the tokens are there (down to -burst): waits grow with the debt. */
  charge(key: string, cost = 1): void {
    const b = this.refilled(key);
    b.tokens = Math.max(-this.burst, b.tokens - cost);
  }

  /** Seconds until `key` has `cost` tokens again (0 when it has them now). */
  retryAfterSec(key: string, cost = 1): number {
    const b = this.refilled(key);
    return b.tokens >= cost ? 0 : Math.ceil((cost - b.tokens) / this.ratePerSecond);
  }

  forget(key: string): void {
    this.buckets.delete(key);
  }

  get size(): number {
    return this.buckets.size;
  }

  private refilled(key: string): { tokens: number; at: number } {
    const now = this.now();
    let b = this.buckets.get(key);
    if (b) {
      this.buckets.delete(key);
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.ratePerSecond);
      b.at = now;
    } else {
      b = { tokens: this.burst, at: now };
      if (this.buckets.size >= this.maxKeys) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
    }
    this.buckets.set(key, b);
    return b;
  }
}
