import { TemplatedApp } from 'uWebSockets.js';
import { Message } from '@parley/domain';
import { carriedTrace, contextFrom, failSpan, inSpan, Logger, SpanKind } from '@parley/observability';
import { ConversationApi, ConversationEvent, Delivery, GatewayDelivery, presenceRouteKey, presenceUserOf } from '@parley/ports';
import { CloseCode, ServerFrame } from '@parley/protocol';
import { GatewayTelemetry } from '../gateway-telemetry';
import { SendPipeline } from '../send/send-pipeline';
import { ackAnswered, connectionOf, conversationTopic, presenceTopic, Socket } from '../ws/connection';
import { ConnectionRegistry } from '../ws/connection-registry';
import { ConversationFeed } from './conversation-feed';
import { SyncPage } from './recent-messages';
import { SessionLiveness } from '../auth/session-liveness';
import { TurnBudget } from './turn-budget';
import { CHEAP_CHECK_MAX_SOCKETS, SocketWriter } from '../ws/socket-writer';

/**
 * Message bytes published before delivery lets the event loop turn (see TurnBudget). A fanout
 * batch holds up to hundreds of events and a gap fill up to MAX_GAP_FILL messages: sliced like
 * this, neither can carry a socket from under its 4408 bound past the uWS backstop unchecked.
 */
export const PUBLISH_BYTES_PER_TURN = 256 * 1024;

/**
 * A conversation's feed keeps its recent messages while at least this many local sockets watch it:
 * large audiences are where thousands of resumes arrive at once. Bounded memory: at most
 * (sockets / RETAIN_MIN_WATCHERS) rings of RECENT_CAPACITY messages, under 1 KiB per socket even
 * when every such conversation is busy.
 */
export const RETAIN_MIN_WATCHERS = 64;
export const RECENT_CAPACITY = 64;

/**
 * This gateway's end of fanout: one copy in, one local topic publish out (uWS serializes the
 * frame once for every subscribed socket). Also answers the sender's persisted ack, applies
 * membership changes to local sockets, and closes revoked sessions.
 */
export class LocalDelivery implements GatewayDelivery {
  private readonly feeds = new Map<string, ConversationFeed>();
  private readonly budget = new TurnBudget(PUBLISH_BYTES_PER_TURN);

  constructor(
    private readonly gatewayId: string,
    private readonly app: TemplatedApp,
    private readonly registry: ConnectionRegistry,
    private readonly writer: SocketWriter,
    private readonly pipeline: SendPipeline,
    private readonly conversations: ConversationApi,
    private readonly sessions: SessionLiveness,
    private readonly logger: Logger,
    private readonly telemetry?: Pick<GatewayTelemetry, 'fanoutDelaySeconds'>,
  ) {}

  async deliver(gatewayId: string, deliveries: Delivery[]): Promise<void> {
    if (gatewayId !== this.gatewayId) return;
    for (const d of deliveries) {
      try {
        const traceparent = carriedTrace(d);
        // A delivery fanout traced is one step of its message's trace: ack, publish to the sockets.
        if (traceparent) await inSpan(`process ${d.type}`, { kind: SpanKind.CONSUMER, parent: contextFrom(traceparent), attributes: () => deliveryAttributes(d) }, (span) => {
          if (d.type === 'send.rejected') failSpan(span, null, `${d.code}: ${d.message}`);
          return this.apply(d);
        });
        else await this.apply(d);
      } catch (err) {
        this.logger.warn('delivery failed at gateway', { type: d.type, err });
      }
    }
  }

  /** Up to `limit` recent messages after `afterSeq` as this gateway published them, or null (ask the store). */
  recentAfter(conversationId: string, afterSeq: number, limit: number): SyncPage | null {
    return this.feeds.get(conversationId)?.recentAfter(afterSeq, limit) ?? null;
  }

  /** The last seq this gateway published in a conversation (undefined: none since its sockets joined). */
  lastPublished(conversationId: string): number | undefined {
    return this.feeds.get(conversationId)?.lastPublished;
  }

  /** Per-conversation state goes once no local socket watches the conversation; its pending publishes with it. */
  dropFeed(routeKey: string): void {
    this.feeds.get(routeKey)?.retire();
    this.feeds.delete(routeKey);
  }

  private async apply(e: ConversationEvent): Promise<void> {
    switch (e.type) {
      case 'message.created':
        this.ackOrigin(e);
        if (this.registry.watchers(e.message.conversation_id) > 0) await this.feedOf(e.message.conversation_id).offer(e.message);
        return;
      case 'send.rejected': {
        const retry = e.retry_after !== undefined ? { retry_after: e.retry_after } : {};
        if (this.pipeline.settle(e.origin.ref, { kind: 'rejected', code: e.code, message: e.message, ...retry })) return;
        const ws = this.registry.get(e.origin.ref);
        if (!ws) return;
        ackAnswered(ws);
        this.writer.send(ws, { type: 'error', code: e.code, message: e.message, client_msg_id: e.client_msg_id, ...retry });
        return;
      }
      case 'typing':
        // Issue 14: in an anonymous group the frame names the pseudonym only.
        this.publishExcept(e.user_id, e.conversation_id, { type: 'typing', conversation_id: e.conversation_id, user_id: e.participant_id ?? e.user_id, state: e.state });
        return;
      case 'read.updated':
        this.publish(conversationTopic(e.conversation_id), { type: 'read', conversation_id: e.conversation_id, user_id: e.participant_id ?? e.user_id, seq: e.seq });
        return;
      case 'presence.changed':
        this.publish(presenceTopic(e.user_id), { type: 'presence', user_id: e.user_id, status: e.status, last_seen_at: e.last_seen_at });
        return;
      case 'member.added':
        for (const userId of e.user_ids) await this.memberAdded(userId, e.conversation_id);
        return;
      case 'member.removed':
        for (const ws of [...this.registry.socketsOf(e.user_id)]) {
          const d = connectionOf(ws);
          const apply = () => {
            if (!d.open) return;
            this.registry.unwatchConversation(ws, e.conversation_id);
            this.writer.send(ws, { type: 'conversation', event: 'removed', conversation: { id: e.conversation_id } });
          };
          if (d.early !== null) (d.afterHello ??= []).push(apply);
          else apply();
        }
        await this.dropPresenceNoLongerShared(e.user_id, e.conversation_id);
        return;
      case 'call.relay':
        for (const effect of e.effects) {
          for (const t of effect.to) {
            for (const ws of this.registry.socketsOf(t.user_id)) {
              const d = connectionOf(ws);
              if (!d.open || d.early !== null || (t.socket_id && d.id !== t.socket_id) || d.id === t.except_socket_id) continue;
              this.writer.send(ws, effect.frame as unknown as ServerFrame);
            }
          }
        }
        return;
      case 'session.revoked':
        this.sessions.revoke(e.session_id);
        for (const ws of [...this.registry.socketsOf(e.user_id)]) {
          if (connectionOf(ws).sessionId === e.session_id) this.writer.close(ws, CloseCode.TOKEN_EXPIRED_OR_REVOKED, 'session revoked');
        }
        return;
    }
  }

  /**
   * Presence frames flow between direct partners only. After `userId` left `conversationId`, each
   * local pair that watched each other's presence through it is checked again (one lookup per
   * local user concerned: the leaver, and those of the conversation's watchers who watch the
   * leaver's presence, never the whole audience), and stops watching when they no longer share a
   * direct conversation.
   */
  private async dropPresenceNoLongerShared(userId: string, conversationId: string): Promise<void> {
    const leaverSockets = [...this.registry.socketsOf(userId)];
    if (leaverSockets.length > 0) {
      const partners = new Set(await this.conversations.directPartners(userId));
      for (const ws of leaverSockets) {
        for (const key of [...connectionOf(ws).topics]) {
          const watched = presenceUserOf(key);
          if (watched !== null && !partners.has(watched)) this.registry.unwatchPresence(ws, watched);
        }
      }
    }
    const watchersOfLeaver = [...this.registry.watchersOf(presenceRouteKey(userId))].filter((ws) => this.registry.isWatching(ws, conversationId));
    const byUser = new Map<string, Socket[]>();
    for (const ws of watchersOfLeaver) {
      const { userId: watcher } = connectionOf(ws);
      byUser.set(watcher, [...(byUser.get(watcher) ?? []), ws]);
    }
    for (const [watcher, sockets] of byUser) {
      if ((await this.conversations.directPartners(watcher)).includes(userId)) continue;
      for (const ws of sockets) this.registry.unwatchPresence(ws, userId);
    }
  }

  private ackOrigin(e: Extract<ConversationEvent, { type: 'message.created' }>): void {
    const { origin, message: m } = e;
    if (!origin || origin.gateway_id !== this.gatewayId) return;
    this.pipeline.persisted(origin.ref, m.client_msg_id);
    if (this.pipeline.settle(origin.ref, { kind: 'persisted', message: m, created: e.created })) return;
    const ws = this.registry.get(origin.ref);
    if (!ws) return; // the sender's socket is gone; its retry will be answered with this same message
    ackAnswered(ws);
    this.writer.send(ws, {
      type: 'ack',
      status: 'persisted',
      client_msg_id: m.client_msg_id,
      conversation_id: m.conversation_id,
      seq: m.seq,
      message_id: m.id,
      created_at: m.created_at,
    });
  }

  private async memberAdded(userId: string, conversationId: string): Promise<void> {
    const sockets = [...this.registry.socketsOf(userId)];
    if (sockets.length === 0) return;
    const view = await this.conversations.get(userId, conversationId).catch(() => null);
    if (!view) return; // removed again meanwhile
    const partners = view.type === 'direct' ? await this.conversations.directPartners(userId) : [];
    for (const ws of sockets) {
      const d = connectionOf(ws);
      if (!d.open) continue;
      const apply = () => {
        if (!d.open) return;
        this.registry.watchConversation(ws, conversationId);
        for (const p of partners) this.registry.watchPresence(ws, p);
        this.writer.send(ws, { type: 'conversation', event: 'added', conversation: view });
      };
      // Hello comes first: a socket still setting up gets the change right after its hello.
      if (d.early !== null) (d.afterHello ??= []).push(apply);
      else apply();
    }
  }

  private feedOf(conversationId: string): ConversationFeed {
    let feed = this.feeds.get(conversationId);
    if (!feed) {
      feed = new ConversationFeed(
        conversationId,
        (m) => this.publishMessage(m),
        (id, after, limit) => this.conversations.backfill(id, after, limit),
        (err) => this.logger.warn('gap fill failed', { conversation_id: conversationId, err }),
        () => this.registry.watchers(conversationId) >= RETAIN_MIN_WATCHERS,
        RECENT_CAPACITY,
      );
      this.feeds.set(conversationId, feed);
    }
    return feed;
  }

  /** Resolves when the next message may be published (the feed waits for it: order is kept). */
  private publishMessage(m: Message): Promise<void> {
    const text = JSON.stringify({ type: 'message', ...m });
    this.app.publish(conversationTopic(m.conversation_id), text, false, false);
    const persistedAt = Date.parse(m.created_at);
    if (Number.isFinite(persistedAt)) this.telemetry?.fanoutDelaySeconds.observe(Math.max(0, Date.now() - persistedAt) / 1000);
    this.writer.noteWrite();
    // Messages are what fills a slow reader's buffer: check this conversation's sockets when that is cheap.
    const sockets = this.registry.watchersOf(m.conversation_id);
    if (sockets.size <= CHEAP_CHECK_MAX_SOCKETS) this.writer.enforceBoundSoon(sockets);
    return this.budget.spend(Buffer.byteLength(text));
  }

  /**
   * Publishes to a conversation's topic so that the acting user's own sockets here do not get it:
   * through one of them (uWS skips the publishing socket), and the rest are skipped by sending from
   * each in turn only when the user has several sockets here (rare: several tabs on one gateway).
   */
  private publishExcept(userId: string, conversationId: string, frame: object): void {
    const topic = conversationTopic(conversationId);
    const own = [...this.registry.socketsOf(userId)].filter((ws) => connectionOf(ws).open && this.registry.isWatching(ws, conversationId));
    const text = JSON.stringify(frame);
    if (own.length === 0) {
      this.app.publish(topic, text, false, false);
      this.writer.noteWrite();
      return;
    }
    // Unsubscribe all but one of the user's sockets for the duration of one publish.
    const [via, ...others] = own;
    for (const ws of others) ws.unsubscribe(topic);
    via.publish(topic, text, false, false);
    this.writer.noteWrite();
    for (const ws of others) ws.subscribe(topic);
  }

  private publish(topic: string, frame: object): void {
    this.app.publish(topic, JSON.stringify(frame), false, false);
    this.writer.noteWrite();
  }
}

/** Span attributes of a delivery: ids only, never a body. */
function deliveryAttributes(d: Delivery): Record<string, string | number> {
  switch (d.type) {
    case 'message.created':
      return { 'parley.conversation_id': d.message.conversation_id, 'parley.seq': d.message.seq, 'parley.client_msg_id': d.message.client_msg_id, 'parley.message_id': d.message.id };
    case 'send.rejected':
      return { 'parley.conversation_id': d.conversation_id, 'parley.client_msg_id': d.client_msg_id, 'parley.rejected_code': d.code };
    default:
      return {};
  }
}

export type { Socket };
