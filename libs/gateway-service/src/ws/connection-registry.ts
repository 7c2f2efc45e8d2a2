import { Logger } from '@parley/observability';
import { presenceRouteKey, RouteTable } from '@parley/ports';
import { connectionOf, conversationTopic, presenceTopic, Socket } from './connection';

const NONE: ReadonlySet<Socket> = new Set();

/**
 * The gateway's local view: which sockets are open, per user, and which local sockets watch each
 * route key. The route table is told only on 0 -> 1 and 1 -> 0 transitions, so a message costs
 * fanout one send to this gateway however many local members it has.
 */
export class ConnectionRegistry {
  private readonly byId = new Map<string, Socket>();
  private readonly byUser = new Map<string, Set<Socket>>();
  /** The local sockets watching each route key; its size is the key's refcount. */
  private readonly watching = new Map<string, Set<Socket>>();

  constructor(
    private readonly gatewayId: string,
    private readonly routes: RouteTable,
    private readonly routeTtlMs: number,
    private readonly logger: Logger,
    /** Called when a route key loses its last local socket (per-conversation state can go). */
    private readonly onRouteDropped: (key: string) => void,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  add(ws: Socket): void {
    const d = connectionOf(ws);
    this.byId.set(d.id, ws);
    let set = this.byUser.get(d.userId);
    if (!set) this.byUser.set(d.userId, (set = new Set()));
    set.add(ws);
  }

  /** Forgets a closed socket and releases its route keys. */
  remove(ws: Socket): void {
    const d = connectionOf(ws);
    this.byId.delete(d.id);
    const set = this.byUser.get(d.userId);
    if (set) {
      set.delete(ws);
      if (set.size === 0) this.byUser.delete(d.userId);
    }
    for (const key of d.topics) this.release(ws, key);
    d.topics.clear();
  }

  get(connectionId: string): Socket | undefined {
    return this.byId.get(connectionId);
  }

  socketsOf(userId: string): ReadonlySet<Socket> {
    return this.byUser.get(userId) ?? new Set();
  }

  all(): IterableIterator<Socket> {
    return this.byId.values();
  }

  /** Subscribes an open socket to a conversation's local topic. */
  watchConversation(ws: Socket, conversationId: string): void {
    this.watch(ws, conversationId, conversationTopic(conversationId));
  }

  unwatchConversation(ws: Socket, conversationId: string): void {
    this.unwatch(ws, conversationId, conversationTopic(conversationId));
  }

  watchPresence(ws: Socket, userId: string): void {
    this.watch(ws, presenceRouteKey(userId), presenceTopic(userId));
  }

  unwatchPresence(ws: Socket, userId: string): void {
    this.unwatch(ws, presenceRouteKey(userId), presenceTopic(userId));
  }

  isWatching(ws: Socket, conversationId: string): boolean {
    return connectionOf(ws).topics.has(conversationId);
  }

  /** Number of local sockets watching a route key. */
  watchers(key: string): number {
    return this.watching.get(key)?.size ?? 0;
  }

  /** The local sockets watching a route key (live: do not hold on to it across awaits). */
  watchersOf(key: string): ReadonlySet<Socket> {
    return this.watching.get(key) ?? NONE;
  }

  routeKeys(): IterableIterator<string> {
    return this.watching.keys();
  }

  private watch(ws: Socket, key: string, topic: string): void {
    const d = connectionOf(ws);
    if (!d.open || d.topics.has(key)) return;
    d.topics.add(key);
    ws.subscribe(topic);
    let sockets = this.watching.get(key);
    if (!sockets) this.watching.set(key, (sockets = new Set()));
    sockets.add(ws);
    if (sockets.size === 1) {
      this.routes.register(key, this.gatewayId, this.routeTtlMs).catch((err: unknown) => this.logger.warn('route register failed', { key, err }));
    }
  }

  private unwatch(ws: Socket, key: string, topic: string): void {
    const d = connectionOf(ws);
    if (!d.topics.delete(key)) return;
    if (d.open) ws.unsubscribe(topic);
    this.release(ws, key);
  }

  private release(ws: Socket, key: string): void {
    const sockets = this.watching.get(key);
    sockets?.delete(ws);
    if (sockets && sockets.size > 0) return;
    this.watching.delete(key);
    this.onRouteDropped(key);
    this.routes.unregister(key, this.gatewayId).catch((err: unknown) => this.logger.warn('route unregister failed', { key, err }));
  }
}
