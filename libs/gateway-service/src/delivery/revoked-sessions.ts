/**
 * Sessions revoked while their access tokens may still verify (at most the token TTL). Bounded:
 * entries expire after the TTL, and past `max` the oldest go first.
 */
export class RevokedSessions {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly max = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  add(sessionId: string): void {
    if (!this.until.has(sessionId) && this.until.size >= this.max) {
      const oldest = this.until.keys().next().value;
      if (oldest !== undefined) this.until.delete(oldest);
    }
    this.until.set(sessionId, this.now() + this.ttlMs);
  }

  has(sessionId: string): boolean {
    const t = this.until.get(sessionId);
    if (t === undefined) return false;
    if (t < this.now()) {
      this.until.delete(sessionId);
      return false;
    }
    return true;
  }
}
