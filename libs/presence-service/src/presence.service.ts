import { ConversationEvent, EventLog, PresenceApi, PresenceStore, PresenceView, presenceRouteKey, RelationalDb, RouteTable, Topics } from '@parley/ports';
import { LastSeenStore } from './last-seen-store';

/** What presence counts for /metrics (parley_presence_*). */
export interface PresenceStats {
  onConnection(event: 'connected' | 'disconnected'): void;
  onTransition(status: 'online' | 'offline', cause: 'socket' | 'sweep'): void;
}

export interface PresenceOptions {
  /** A connection not refreshed for this long counts as gone (bounds how long a dead gateway's users look online). */
  connectionTtlMs: number;
}

/**
 * Online while at least one socket is open; last_seen_at is when the last one closed.
 * Writes happen per connection change and per gateway heartbeat, never per message or per member;
 * last_seen reads and writes of one moment share statements (LastSeenStore), so a mass reconnect
 * or disconnect does not queue one database round trip per socket.
 */
export class PresenceService implements PresenceApi {
  private readonly lastSeen: LastSeenStore;

  constructor(
    private readonly store: PresenceStore,
    private readonly routes: RouteTable,
    db: RelationalDb,
    private readonly log: EventLog,
    private readonly options: PresenceOptions,
    private readonly stats?: PresenceStats,
  ) {
    this.lastSeen = new LastSeenStore(db);
  }

  async connected(userId: string, connectionId: string, gatewayId: string): Promise<void> {
    const cameOnline = await this.store.connect(userId, connectionId, gatewayId, this.options.connectionTtlMs);
    this.stats?.onConnection('connected');
    if (cameOnline) {
      this.stats?.onTransition('online', 'socket');
      // last_seen is read only for a user someone watches: in a connect storm most users have no
      // watcher, and the read was most of presence's per-connection work.
      await this.announce(userId, 'online', () => this.lastSeen.get(userId));
    }
  }

  async disconnected(userId: string, connectionId: string): Promise<void> {
    // last_seen is written before the connection goes, so nobody reads "offline" without it.
    const at = new Date();
    await this.lastSeen.record(userId, at);
    const wentOffline = await this.store.disconnect(userId, connectionId);
    this.stats?.onConnection('disconnected');
    if (wentOffline) {
      this.stats?.onTransition('offline', 'socket');
      await this.announce(userId, 'offline', () => at.toISOString());
    }
  }

  async gatewayHeartbeat(gatewayId: string): Promise<void> {
    await Promise.all([
      this.store.heartbeatGateway(gatewayId, this.options.connectionTtlMs),
      this.routes.refreshGateway(gatewayId, this.options.connectionTtlMs),
    ]);
  }

  async get(userId: string): Promise<PresenceView> {
    const online = await this.store.isOnline(userId);
    const last = await this.lastSeen.get(userId);
    return { user_id: userId, status: online ? 'online' : 'offline', last_seen_at: last };
  }

  /** Expires connections of gateways that stopped heartbeating; their users go offline. */
  async sweep(now = Date.now()): Promise<number> {
    const gone = await this.store.sweepExpired(now);
    for (const userId of gone) await this.markOffline(userId, new Date(now));
    return gone.length;
  }

  private async markOffline(userId: string, at: Date): Promise<void> {
    this.stats?.onTransition('offline', 'sweep');
    await this.lastSeen.record(userId, at);
    await this.announce(userId, 'offline', () => at.toISOString());
  }

  /**
   * Appends presence.changed only when some gateway has a socket watching the user (a direct
   * partner's; see ConnectionRegistry.watchPresence): for anyone else the event would cost Kafka,
   * fanout and notification work and reach nobody. A watcher registering a moment after this check
   * misses this one transition; its client reads presence over REST when it opens the conversation.
   */
  private async announce(userId: string, status: 'online' | 'offline', lastSeenAt: () => Promise<string | null> | string | null): Promise<void> {
    if ((await this.routes.gatewaysFor(presenceRouteKey(userId))).length === 0) return;
    const event: ConversationEvent = { type: 'presence.changed', user_id: userId, status, last_seen_at: await lastSeenAt() };
    await this.log.append(Topics.events, userId, event);
  }
}
