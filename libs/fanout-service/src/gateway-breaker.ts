export interface GatewayBreakerOptions {
  /** Consecutive failed deliveries after which a gateway is skipped. */
  threshold: number;
  /** First cool-down; it doubles with each failed retry, up to maxCooldownMs. */
  minCooldownMs: number;
  /** Longest cool-down: the route TTL, after which a dead gateway's routes are gone anyway. */
  maxCooldownMs: number;
  /** Gateways remembered at most (the oldest entry goes first). */
  maxEntries: number;
  now: () => number;
}

interface Entry {
  failures: number;
  cooldownMs: number;
  retryAt: number;
}

const DEFAULTS: GatewayBreakerOptions = { threshold: 2, minCooldownMs: 1000, maxCooldownMs: 30_000, maxEntries: 10_000, now: Date.now };

/**
 * Which gateways fanout stops calling for a while. A gateway that died keeps its routes until
 * their TTL runs out (it no longer refreshes them); without this, every batch for its
 * conversations would pay a failed call to it (a refused connection, or worse a deadline when
 * the process hangs). After `threshold` failures in a row the gateway is skipped for a cool-down;
 * then one batch tries it again: success forgets the failures, failure doubles the cool-down.
 * A live gateway skipped by mistake loses those copies only: the next message it gets shows the
 * seq gap and it fills it from the store, as for any lost copy.
 */
export class GatewayBreaker {
  private readonly entries = new Map<string, Entry>();
  private readonly o: GatewayBreakerOptions;

  constructor(options: Partial<GatewayBreakerOptions> = {}) {
    this.o = { ...DEFAULTS, ...options };
  }

  /** False while the gateway is cooling down. */
  allows(gatewayId: string): boolean {
    const e = this.entries.get(gatewayId);
    return !e || e.failures < this.o.threshold || this.o.now() >= e.retryAt;
  }

  succeeded(gatewayId: string): void {
    this.entries.delete(gatewayId);
  }

  failed(gatewayId: string): void {
    const e = this.entries.get(gatewayId) ?? { failures: 0, cooldownMs: 0, retryAt: 0 };
    e.failures++;
    if (e.failures >= this.o.threshold) {
      e.cooldownMs = e.cooldownMs === 0 ? this.o.minCooldownMs : Math.min(e.cooldownMs * 2, this.o.maxCooldownMs);
      e.retryAt = this.o.now() + e.cooldownMs;
    }
    this.entries.delete(gatewayId);
    this.entries.set(gatewayId, e);
    if (this.entries.size > this.o.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }
}
