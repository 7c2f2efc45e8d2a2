import { Logger } from '@parley/observability';
import { presenceRouteKey, RouteTable } from '@parley/ports';
import { conversationTopic, presenceTopic, Socket } from './connection';

/**
 * The gateway's local view: which sockets are open, per user, and how many local sockets watch each
 * route key. The route table is told only on 0 -> 1 and 1 -> 0 transitions, so a message costs
 * fanout one send to this gateway however many local members it has.
 */
export class ConnectionRegistry {
  private readonly byId = new Map<string, Socket>();
  private readonly byUser = new Map<string, Set<Socket>>();
  private readonly refs = new Map<string, number>();

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
    const d = ws.getUserData();
    this.byId.set(d.id, ws);
    let set = this.byUser.get(d.userId);
    if (!set) this.byUser.set(d.userId, (set = new Set()));
    set.add(ws);
  }

  /** Forgets a closed socket and releases its route keys. */
  remove(ws: Socket): void {
    const d = ws.getUserData();
    this.byId.delete(d.id);
    const set = this.byUser.get(d.userId);
    if (set) {
      set.delete(ws);
      if (set.size === 0) this.byUser.delete(d.userId);
    }
    for (const key of d.topics) this.release(key);
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

  isWatching(ws: Socket, conversationId: string): boolean {
    return ws.getUserData().topics.has(conversationId);
  }

  /** Number of local sockets watching a route key. */
  watchers(key: string): number {
    return this.refs.get(key) ?? 0;
  }

  routeKeys(): IterableIterator<string> {
    return this.refs.keys();
  }

  private watch(ws: Socket, key: string, topic: string): void {
    const d = ws.getUserData();
    if (!d.open || d.topics.has(key)) return;
    d.topics.add(key);
    ws.subscribe(topic);
    const n = (this.refs.get(key) ?? 0) + 1;
    this.refs.set(key, n);
    if (n === 1) {
      this.routes.register(key, this.gatewayId, this.routeTtlMs).catch((err: unknown) => this.logger.warn('route register failed', { key, err }));
    }
  }

  private unwatch(ws: Socket, key: string, topic: string): void {
    const d = ws.getUserData();
    if (!d.topics.delete(key)) return;
    if (d.open) ws.unsubscribe(topic);
    this.release(key);
  }

  private release(key: string): void {
    const n = (this.refs.get(key) ?? 0) - 1;
    if (n > 0) {
      this.refs.set(key, n);
      return;
    }
    this.refs.delete(key);
    this.onRouteDropped(key);
    this.routes.unregister(key, this.gatewayId).catch((err: unknown) => this.logger.warn('route unregister failed', { key, err }));
  }
}
