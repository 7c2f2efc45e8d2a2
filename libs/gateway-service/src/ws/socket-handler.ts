import { randomUUID } from 'node:crypto';
import { HttpRequest, HttpResponse, us_socket_context_t, WebSocketBehavior } from 'uWebSockets.js';
import { isDomainError, TypingSampler } from '@parley/domain';
import { inSpan, Logger, Metrics, ROOT_CONTEXT, SpanKind } from '@parley/observability';
import { ConversationApi, ConversationEvent, EventLog, PresenceApi, Topics } from '@parley/ports';
import { ClientFrame, CloseCode, Limits, parseClientFrame, SendFrame, SyncFrame } from '@parley/protocol';
import { TokenVerifier } from '@parley/tokens';
import { RevokedSessions } from '../delivery/revoked-sessions';
import { SyncSource } from '../delivery/sync-source';
import { GatewayOptions } from '../gateway.options';
import { GatewayTelemetry } from '../gateway-telemetry';
import { errorBody, toErrorReply } from '../http/api-error';
import { SendPipeline } from '../send/send-pipeline';
import { ConnectionData, Socket, userTopic } from './connection';
import { ConnectionRegistry } from './connection-registry';
import { backstopBytes, SocketWriter } from './socket-writer';
import { WorkLimiter } from './work-limiter';

/** Frames above this are dropped by uWS itself (connection closed without a code). */
const HARD_FRAME_CAP_BYTES = 1024 * 1024;

/** Consecutive rate-limited sends after which the socket is closed with 4429. */
const RATE_LIMIT_CLOSE_AFTER = 50;

/**
 * The WebSocket edge: authenticates at the upgrade (401, no socket, on a bad token), subscribes
 * the socket to its conversations before `hello`, and turns client frames into pipeline calls.
 */
export class SocketHandler {
  private readonly typingSampler: TypingSampler;
  /** Upgrade checks, socket setup and syncs share one bound on backend calls in flight. */
  private readonly setupWork = new WorkLimiter(64, 20_000);
  private readonly memberCounts = new Map<string, { n: Promise<number>; at: number }>();
  private readonly framesIn;
  private readonly invalidFrames;

  constructor(
    private readonly options: GatewayOptions,
    private readonly verifier: TokenVerifier,
    private readonly sessions: { active(sessionId: string): Promise<boolean> },
    private readonly revoked: RevokedSessions,
    private readonly registry: ConnectionRegistry,
    private readonly writer: SocketWriter,
    private readonly pipeline: SendPipeline,
    private readonly conversations: ConversationApi,
    private readonly presence: PresenceApi,
    private readonly log: EventLog,
    private readonly syncs: SyncSource,
    private readonly logger: Logger,
    metrics: Metrics,
    private readonly telemetry: GatewayTelemetry,
  ) {
    this.typingSampler = new TypingSampler(options.largeGroup);
    this.framesIn = metrics.counter('parley_gateway_frames_in_total', 'client frames received', ['type']);
    this.invalidFrames = metrics.counter('parley_gateway_invalid_frames_total', 'client frames that failed validation');
  }

  behavior(): WebSocketBehavior<ConnectionData> {
    return {
      // uWS drops an over-long frame without a close frame, so it gets a larger hard cap and the
      // contract's 64 KiB bound is enforced here, with the documented 1009.
      maxPayloadLength: HARD_FRAME_CAP_BYTES,
      // Memory backstop well above our own 4408 bound (see socket-writer.ts): uWS closes, without
      // a code, only a socket that outran the gateway's checks.
      maxBackpressure: backstopBytes(this.options.maxBufferedBytes),
      closeOnBackpressureLimit: 1,
      idleTimeout: Math.max(8, Math.ceil((this.options.heartbeatMs * 2.5) / 1000)),
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => this.upgrade(res, req, context),
      open: (ws) => this.open(ws),
      message: (ws, data) => this.message(ws, data),
      close: (ws, code) => this.closed(ws, code),
    };
  }

  private async upgrade(res: HttpResponse, req: HttpRequest, context: us_socket_context_t): Promise<void> {
    // Copy everything out of req before the first await (uWS invalidates it).
    const key = req.getHeader('sec-websocket-key');
    const protocol = req.getHeader('sec-websocket-protocol');
    const extensions = req.getHeader('sec-websocket-extensions');
    const auth = req.getHeader('authorization');
    const queryToken = new URLSearchParams(req.getQuery() ?? '').get('access_token');
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    const token = auth.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : (queryToken ?? '');
    let data: ConnectionData;
    try {
      const claims = await this.verifier.verify(token);
      if (this.revoked.has(claims.sid) || !(await this.setupWork.run(() => this.sessions.active(claims.sid)))) {
        throw Object.assign(new Error('session revoked'), { status: 401 });
      }
      const now = Date.now();
      data = {
        id: randomUUID(),
        userId: claims.sub,
        sessionId: claims.sid,
        exp: claims.exp,
        topics: new Set(),
        invalidFrames: 0,
        tokens: this.options.sendRatePerSecond * 2,
        refilledAt: now,
        rateLimitedInARow: 0,
        open: false,
      };
    } catch (e) {
      const reply = isDomainError(e) && e.code === 'UNAVAILABLE' ? toErrorReply(e) : { status: 401, code: 'UNAUTHENTICATED', message: e instanceof Error && isDomainError(e) ? e.message : 'session revoked' };
      this.telemetry.upgrades.inc({ outcome: reply.status === 401 ? 'unauthenticated' : 'unavailable' });
      if (reply.status === 401) this.telemetry.authFailed(reply.message, 'upgrade');
      if (aborted) return;
      res.cork(() => {
        res.writeStatus(reply.status === 401 ? '401 Unauthorized' : '503 Service Unavailable');
        res.writeHeader('content-type', 'application/json; charset=utf-8');
        res.end(errorBody(reply.code, reply.message));
      });
      return;
    }
    if (aborted) {
      this.telemetry.upgrades.inc({ outcome: 'aborted' });
      return;
    }
    this.telemetry.upgrades.inc({ outcome: 'ok' });
    // Known uWS 20.30 bug: cork() around an upgrade made after an await may read the response's
    // state from memory the new WebSocket already reuses, and now and then closes the fresh socket
    // without a close frame (uNetworking/uWebSockets.js#1108, fixed upstream in uWebSockets#1929).
    // Upgrading uncorked avoids it but makes uWS print a warning per connection; clients reconnect
    // on an abnormal close (the contract asks them to), and the bench counts these as "retried".
    res.cork(() => {
      res.upgrade(data, key, protocol, extensions, context);
    });
  }

  private open(ws: Socket): void {
    const d = ws.getUserData();
    d.open = true;
    this.registry.add(ws);
    ws.subscribe(userTopic(d.userId));
    void this.setupWork.run(() => this.subscribeAndGreet(ws)).catch((err: unknown) => {
      this.logger.warn('socket setup refused', { err });
      this.writer.close(ws, CloseCode.GOING_AWAY, 'busy, try again');
    });
  }

  /**
   * Registers the connection, then reads the user's conversations, then subscribes, then says hello.
   * In that order no membership change is missed: one announced before the registration is already
   * in the conversations read after it, and one announced after it reaches this gateway. A client
   * that syncs after hello misses no message either.
   */
  private async subscribeAndGreet(ws: Socket): Promise<void> {
    const d = ws.getUserData();
    try {
      await this.presence.connected(d.userId, d.id, this.options.gatewayId);
      const [conversationIds, partners] = await Promise.all([this.conversations.conversationIdsOf(d.userId), this.conversations.directPartners(d.userId)]);
      if (!d.open) return;
      for (const id of conversationIds) this.registry.watchConversation(ws, id);
      for (const p of partners) this.registry.watchPresence(ws, p);
      this.writer.send(ws, { type: 'hello', user_id: d.userId, session_id: d.sessionId, heartbeat_ms: this.options.heartbeatMs });
    } catch (err) {
      this.logger.warn('socket setup failed', { err });
      this.writer.close(ws, CloseCode.GOING_AWAY, 'try again');
    }
  }

  private closed(ws: Socket, code: number): void {
    this.telemetry.closes.inc({ code: String(code) });
    const d = ws.getUserData();
    d.open = false;
    this.registry.remove(ws);
    this.presence.disconnected(d.userId, d.id, this.options.gatewayId).catch((err: unknown) => this.logger.warn('presence disconnect failed', { err }));
  }

  private message(ws: Socket, data: ArrayBuffer): void {
    const d = ws.getUserData();
    if (!d.open) return;
    if (data.byteLength > Limits.MAX_FRAME_BYTES) return this.writer.close(ws, CloseCode.TOO_BIG, 'frame over 64 KiB');
    const parsed = parseClientFrame(Buffer.from(data).toString('utf8'));
    if (!parsed.ok) {
      this.invalidFrames.inc();
      d.invalidFrames++;
      this.writer.send(ws, { type: 'error', code: 'VALIDATION_FAILED', message: parsed.message, ...(parsed.client_msg_id ? { client_msg_id: parsed.client_msg_id } : {}) });
      if (d.invalidFrames > this.options.maxInvalidFrames) this.writer.close(ws, CloseCode.POLICY, 'too many invalid frames');
      return;
    }
    this.framesIn.inc({ type: parsed.value.type });
    void this.handle(ws, parsed.value).catch((err: unknown) => {
      const reply = toErrorReply(err);
      if (reply.status === 500) this.logger.error('frame handling failed', { err });
      const clientMsgId = parsed.value.type === 'send' ? parsed.value.client_msg_id : undefined;
      this.writer.send(ws, { type: 'error', code: reply.code === 'INTERNAL' ? 'UNAVAILABLE' : reply.code, message: reply.message, ...(clientMsgId ? { client_msg_id: clientMsgId } : {}) });
    });
  }

  private async handle(ws: Socket, f: ClientFrame): Promise<void> {
    const d = ws.getUserData();
    switch (f.type) {
      case 'ping':
        this.writer.send(ws, f.nonce === undefined ? { type: 'pong' } : { type: 'pong', nonce: f.nonce });
        return;
      case 'send':
        return this.send(ws, f);
      case 'sync':
        return this.setupWork.run(() => this.sync(ws, f));
      case 'typing': {
        if (!this.registry.isWatching(ws, f.conversation_id)) return this.notFound(ws);
        const members = await this.memberCount(f.conversation_id);
        if (!this.typingSampler.allow(f.conversation_id, members, Date.now())) return;
        const event: ConversationEvent = { type: 'typing', conversation_id: f.conversation_id, user_id: d.userId, state: f.state, member_count: members };
        await this.log.append(Topics.events, f.conversation_id, event);
        return;
      }
      case 'read':
        await this.conversations.markRead(d.userId, f.conversation_id, f.seq);
        return;
    }
  }

  private async send(ws: Socket, f: SendFrame): Promise<void> {
    const d = ws.getUserData();
    if (!this.takeToken(d)) {
      if (++d.rateLimitedInARow >= RATE_LIMIT_CLOSE_AFTER) return this.writer.close(ws, CloseCode.RATE_LIMITED, 'rate limited');
      this.writer.send(ws, { type: 'error', code: 'RATE_LIMITED', message: 'sending too fast', client_msg_id: f.client_msg_id });
      return;
    }
    d.rateLimitedInARow = 0;
    // Membership is checked by the sequencer (the one writer); a non-member gets FORBIDDEN from it.
    // The frame's span is the root of the message's trace (docs/adr/0007-tracing.md).
    const started = performance.now();
    const attributes = { 'parley.conversation_id': f.conversation_id, 'parley.client_msg_id': f.client_msg_id, 'network.protocol.name': 'websocket' };
    await inSpan('ws send', { kind: SpanKind.SERVER, attributes, parent: ROOT_CONTEXT }, () =>
      this.pipeline.publish(d.userId, f.conversation_id, f.client_msg_id, f.body.text, d.id),
    );
    this.telemetry.sendReceivedSeconds.observe((performance.now() - started) / 1000);
    this.writer.send(ws, { type: 'ack', client_msg_id: f.client_msg_id, conversation_id: f.conversation_id, status: 'received' });
  }

  private async sync(ws: Socket, f: SyncFrame): Promise<void> {
    const d = ws.getUserData();
    const limit = f.limit ?? Limits.SYNC_DEFAULT_LIMIT;
    const { messages, has_more } = await this.syncs.page(d.userId, f.conversation_id, f.after_seq, limit, this.registry.isWatching(ws, f.conversation_id));
    for (const m of messages) this.writer.send(ws, { type: 'message', ...m });
    // The last seq this sync covered, from the store itself: the conversation's last_seq moves when a
    // seq is claimed, a moment before its message is written, so it could promise what is not there yet.
    const last = messages.length > 0 ? messages[messages.length - 1].seq : f.after_seq;
    this.writer.send(ws, { type: 'sync.done', conversation_id: f.conversation_id, last_seq: last, has_more });
  }

  private notFound(ws: Socket): void {
    this.writer.send(ws, { type: 'error', code: 'NOT_FOUND', message: 'conversation not found' });
  }

  private takeToken(d: ConnectionData): boolean {
    const now = Date.now();
    const rate = this.options.sendRatePerSecond;
    d.tokens = Math.min(rate * 2, d.tokens + ((now - d.refilledAt) / 1000) * rate);
    d.refilledAt = now;
    if (d.tokens < 1) return false;
    d.tokens -= 1;
    return true;
  }

  /**
   * Cached per conversation. The lookup itself is cached, not only its answer: a burst of typing
   * frames on a cold cache costs one call, and the frames go on in the order they came.
   */
  private memberCount(conversationId: string): Promise<number> {
    const cached = this.memberCounts.get(conversationId);
    const now = Date.now();
    if (cached && now - cached.at < 30_000) return cached.n;
    const n = this.conversations.memberCount(conversationId);
    if (this.memberCounts.size > 50_000) this.memberCounts.clear();
    this.memberCounts.set(conversationId, { n, at: now });
    // The callers get the failure through `n`; here a failed lookup is only forgotten, so the next frame asks again.
    n.catch(() => {
      if (this.memberCounts.get(conversationId)?.n === n) this.memberCounts.delete(conversationId);
    });
    return n;
  }
}
