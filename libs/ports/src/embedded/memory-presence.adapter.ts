import { DomainError, unavailable, validationFailed } from '@parley/domain';
import { PresenceStore } from '../presence.port';
import { checkId, checkTtl } from '../adapter-input-checks';

export interface MemoryPresenceOptions {
  /** Clock in epoch ms (injectable for tests). */
  now?: () => number;
  /** Live and expired-but-unswept connections held at most; connect answers UNAVAILABLE beyond. */
  maxConnections?: number;
}

interface Connection {
  userId: string;
  gatewayId: string;
  expiresAt: number;
}

/**
 * PresenceStore in this process's memory, for standalone mode. Presence is ephemeral by nature:
 * after a restart every socket is gone anyway, so there is nothing worth persisting.
 *
 * A connection is live until its expiry; reads (isOnline, onlineAmong, gatewaysForUser) ignore
 * expired connections at once, while removing them and reporting their users offline is left to
 * sweepExpired (or to the user's next connect/disconnect), so each offline transition is reported
 * exactly once.
 */
export class MemoryPresenceStore implements PresenceStore {
  private readonly now: () => number;
  private readonly maxConnections: number;
  private readonly connections = new Map<string, Connection>();
  private readonly byUser = new Map<string, Set<string>>();
  private readonly byGateway = new Map<string, Set<string>>();
  private closed = false;

  constructor(options: MemoryPresenceOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxConnections = options.maxConnections ?? 1_000_000;
    if (!Number.isInteger(this.maxConnections) || this.maxConnections < 1) throw validationFailed('maxConnections must be a positive integer');
  }

  async connect(userId: string, connectionId: string, gatewayId: string, ttlMs: number): Promise<boolean> {
    this.checkOpen();
    checkId('userId', userId);
    checkId('connectionId', connectionId);
    checkId('gatewayId', gatewayId);
    checkTtl(ttlMs);
    const now = this.now();
    const existing = this.connections.get(connectionId);
    if (existing && existing.userId !== userId) throw validationFailed('connectionId already belongs to another user');
    this.dropExpiredOf(userId, now);
    if (!existing && this.connections.size >= this.maxConnections) {
      await this.sweepExpired(now);
      if (this.connections.size >= this.maxConnections) throw new DomainError('UNAVAILABLE', 'presence store is full');
    }
    const wasOnline = this.hasLive(userId, now);
    if (existing) this.detach(connectionId, existing);
    this.connections.set(connectionId, { userId, gatewayId, expiresAt: now + ttlMs });
    addTo(this.byUser, userId, connectionId);
    addTo(this.byGateway, gatewayId, connectionId);
    return !wasOnline;
  }

  async disconnect(userId: string, connectionId: string): Promise<boolean> {
    this.checkOpen();
    checkId('userId', userId);
    checkId('connectionId', connectionId);
    const connection = this.connections.get(connectionId);
    if (!connection || connection.userId !== userId) return false;
    this.detach(connectionId, connection);
    this.dropExpiredOf(userId, this.now());
    return !this.byUser.has(userId);
  }

  async heartbeatGateway(gatewayId: string, ttlMs: number): Promise<void> {
    this.checkOpen();
    checkId('gatewayId', gatewayId);
    checkTtl(ttlMs);
    const expiresAt = this.now() + ttlMs;
    for (const id of this.byGateway.get(gatewayId) ?? []) {
      const connection = this.connections.get(id);
      if (connection) connection.expiresAt = expiresAt;
    }
  }

  async isOnline(userId: string): Promise<boolean> {
    this.checkOpen();
    checkId('userId', userId);
    return this.hasLive(userId, this.now());
  }

  async onlineAmong(userIds: readonly string[]): Promise<Set<string>> {
    this.checkOpen();
    if (!Array.isArray(userIds)) throw validationFailed('userIds must be an array');
    const now = this.now();
    const online = new Set<string>();
    for (const userId of userIds) {
      checkId('userId', userId);
      if (this.hasLive(userId, now)) online.add(userId);
    }
    return online;
  }

  async gatewaysForUser(userId: string): Promise<string[]> {
    this.checkOpen();
    checkId('userId', userId);
    const now = this.now();
    const gateways = new Set<string>();
    for (const id of this.byUser.get(userId) ?? []) {
      const connection = this.connections.get(id);
      if (connection && connection.expiresAt > now) gateways.add(connection.gatewayId);
    }
    return [...gateways].sort();
  }

  async sweepExpired(now: number): Promise<string[]> {
    this.checkOpen();
    if (!Number.isFinite(now)) throw validationFailed('now must be a finite number');
    const touched = new Set<string>();
    for (const [id, connection] of this.connections) {
      if (connection.expiresAt > now) continue;
      this.detach(id, connection);
      touched.add(connection.userId);
    }
    return [...touched].filter((userId) => !this.byUser.has(userId));
  }

  async healthy(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.connections.clear();
    this.byUser.clear();
    this.byGateway.clear();
  }

  private hasLive(userId: string, now: number): boolean {
    for (const id of this.byUser.get(userId) ?? []) {
      const connection = this.connections.get(id);
      if (connection && connection.expiresAt > now) return true;
    }
    return false;
  }

  /** Removes a user's expired connections without reporting: the caller reports the transition. */
  private dropExpiredOf(userId: string, now: number): void {
    for (const id of [...(this.byUser.get(userId) ?? [])]) {
      const connection = this.connections.get(id);
      if (connection && connection.expiresAt <= now) this.detach(id, connection);
    }
  }

  private detach(connectionId: string, connection: Connection): void {
    this.connections.delete(connectionId);
    removeFrom(this.byUser, connection.userId, connectionId);
    removeFrom(this.byGateway, connection.gatewayId, connectionId);
  }

  private checkOpen(): void {
    if (this.closed) throw unavailable('presence store is closed');
  }
}

function addTo(index: Map<string, Set<string>>, key: string, value: string): void {
  let set = index.get(key);
  if (!set) {
    set = new Set();
    index.set(key, set);
  }
  set.add(value);
}

function removeFrom(index: Map<string, Set<string>>, key: string, value: string): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) index.delete(key);
}
