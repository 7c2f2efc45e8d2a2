import { DomainError, unavailable, validationFailed } from '@parley/domain';
import { RouteTable } from '../presence.port';
import { checkId, checkTtl } from '../adapter-input-checks';

export interface MemoryRouteTableOptions {
  /** Clock in epoch ms (injectable for tests). */
  now?: () => number;
  /** (conversation, gateway) routes held at most; register answers UNAVAILABLE beyond. */
  maxRoutes?: number;
}

/**
 * RouteTable in this process's memory, for standalone mode. Like presence it is ephemeral: the
 * routes describe sockets, and a restart closes them all. An expired route is invisible to
 * gatewaysFor at once; it is removed on that read, by sweepExpired, or when the table is full.
 */
export class MemoryRouteTable implements RouteTable {
  private readonly now: () => number;
  private readonly maxRoutes: number;
  /** conversation -> gateway -> expiry (epoch ms). */
  private readonly routes = new Map<string, Map<string, number>>();
  private readonly byGateway = new Map<string, Set<string>>();
  private size = 0;
  private closed = false;

  constructor(options: MemoryRouteTableOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxRoutes = options.maxRoutes ?? 1_000_000;
    if (!Number.isInteger(this.maxRoutes) || this.maxRoutes < 1) throw validationFailed('maxRoutes must be a positive integer');
  }

  async register(conversationId: string, gatewayId: string, ttlMs: number): Promise<void> {
    this.checkOpen();
    checkId('conversationId', conversationId);
    checkId('gatewayId', gatewayId);
    checkTtl(ttlMs);
    const now = this.now();
    const known = this.routes.get(conversationId)?.has(gatewayId) ?? false;
    if (!known && this.size >= this.maxRoutes) {
      await this.sweepExpired(now);
      if (this.size >= this.maxRoutes) throw new DomainError('UNAVAILABLE', 'route table is full');
    }
    let gateways = this.routes.get(conversationId);
    if (!gateways) {
      gateways = new Map();
      this.routes.set(conversationId, gateways);
    }
    if (!gateways.has(gatewayId)) this.size++;
    gateways.set(gatewayId, now + ttlMs);
    let conversations = this.byGateway.get(gatewayId);
    if (!conversations) {
      conversations = new Set();
      this.byGateway.set(gatewayId, conversations);
    }
    conversations.add(conversationId);
  }

  async unregister(conversationId: string, gatewayId: string): Promise<void> {
    this.checkOpen();
    checkId('conversationId', conversationId);
    checkId('gatewayId', gatewayId);
    this.remove(conversationId, gatewayId);
  }

  async refreshGateway(gatewayId: string, ttlMs: number): Promise<void> {
    this.checkOpen();
    checkId('gatewayId', gatewayId);
    checkTtl(ttlMs);
    const expiresAt = this.now() + ttlMs;
    for (const conversationId of this.byGateway.get(gatewayId) ?? []) {
      const gateways = this.routes.get(conversationId);
      if (gateways?.has(gatewayId)) gateways.set(gatewayId, expiresAt);
    }
  }

  async gatewaysFor(conversationId: string): Promise<string[]> {
    this.checkOpen();
    checkId('conversationId', conversationId);
    const now = this.now();
    const live: string[] = [];
    for (const [gatewayId, expiresAt] of this.routes.get(conversationId) ?? []) {
      if (expiresAt > now) live.push(gatewayId);
      else this.remove(conversationId, gatewayId);
    }
    return live.sort();
  }

  /** Removes routes whose expiry passed; returns how many. */
  async sweepExpired(now: number): Promise<number> {
    this.checkOpen();
    if (!Number.isFinite(now)) throw validationFailed('now must be a finite number');
    let removed = 0;
    for (const [conversationId, gateways] of [...this.routes]) {
      for (const [gatewayId, expiresAt] of [...gateways]) {
        if (expiresAt > now) continue;
        this.remove(conversationId, gatewayId);
        removed++;
      }
    }
    return removed;
  }

  async healthy(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.routes.clear();
    this.byGateway.clear();
    this.size = 0;
  }

  private remove(conversationId: string, gatewayId: string): void {
    const gateways = this.routes.get(conversationId);
    if (!gateways?.delete(gatewayId)) return;
    this.size--;
    if (gateways.size === 0) this.routes.delete(conversationId);
    const conversations = this.byGateway.get(gatewayId);
    conversations?.delete(conversationId);
    if (conversations?.size === 0) this.byGateway.delete(gatewayId);
  }

  private checkOpen(): void {
    if (this.closed) throw unavailable('route table is closed');
  }
}
