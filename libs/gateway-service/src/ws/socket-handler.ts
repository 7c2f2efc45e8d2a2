import { AnonymousAliases } from './anonymous-aliases';
import { HttpRequest, HttpResponse, us_socket_context_t, WebSocketBehavior } from 'uWebSockets.js';
import { DomainError, isDomainError, MessageBody, TypingSampler, unauthenticated } from '@parley/domain';
import { AttachmentService } from '../attachments/attachment-service';
import { inSpan, Logger, Metrics, ROOT_CONTEXT, SpanKind, traceHeaders } from '@parley/observability';
import { CallBatcher, ConversationApi, ConversationEvent, EventLog, KeyedBuckets, MAX_SOCKET_SETUPS, PresenceApi, SocketSetup, Topics } from '@parley/ports';
import { ClientFrame, CloseCode, LifecycleFrame, Limits, parseClientFrame, SendFrame, SyncFrame } from '@parley/protocol';
import { TokenVerifier } from '@parley/tokens';
import { SessionLiveness } from '../auth/session-liveness';
import { presentedToken } from '../auth/presented-token';
import { ReconnectTokens, TokenIdentity, tokenDigest } from '../auth/reconnect-tokens';
import { SyncSource } from '../delivery/sync-source';
import { GatewayOptions } from '../gateway.options';
import { GatewayTelemetry } from '../gateway-telemetry';
import { errorBody, toErrorReply } from '../http/api-error';
import { ingressOf } from '../send/lifecycle-sends';
import { SendPipeline } from '../send/send-pipeline';
import { ConnectionData, connectionOf, newConnectionData, Socket, SocketSlot, userTopic } from './connection';
import { ConnectionRegistry } from './connection-registry';
import { backstopBytes, SocketWriter } from './socket-writer';
import { MemberCounts } from './member-counts';
import { WorkLimiter } from './work-limiter';
import type { CallSignaling } from '../calls/call-signaling';

/** Frames above this are dropped by uWS itself (connection closed without a code). */
const HARD_FRAME_CAP_BYTES = 1024 * 1024;

/** Frames a client may send before its hello (they wait for the session check); more close 1008. */
const MAX_EARLY_FRAMES = 32;

/** Closed sockets' tokens remembered for their reconnect (about 250 B each). */
const REMEMBERED_TOKENS = 50_000;

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
  /** Per-user share of typing and read frames, across the user's sockets on this gateway. */
  private readonly userSignals: KeyedBuckets;
  private readonly memberCounts: MemberCounts;
  private readonly aliases: AnonymousAliases;
  /** New sockets' subscriptions are read a batch at a time: one query per few hundred sockets in a storm. */
  private readonly setups: CallBatcher<string, SocketSetup>;
  private readonly framesIn;
  private readonly invalidFrames;
  /** Set when the gateway drains (SIGTERM): upgrades are refused with 503 so clients go elsewhere. */
  draining = false;
  /** Call signaling (`call.*` frames), set by the server. */
  calls: CallSignaling | null = null;
  /** Tokens of closed sockets: a reconnect with the same token skips the signature check. */
  readonly reconnects = new ReconnectTokens(REMEMBERED_TOKENS);

  constructor(
    private readonly options: GatewayOptions,
    private readonly verifier: TokenVerifier,
    private readonly sessions: SessionLiveness,
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
    private readonly attachments: AttachmentService | null = null,
  ) {
    this.typingSampler = new TypingSampler(options.largeGroup);
    this.memberCounts = new MemberCounts((id) => this.conversations.memberCount(id));
    this.aliases = new AnonymousAliases(this.conversations);
    this.setups = new CallBatcher((userIds) => this.conversations.socketSetups(userIds), { maxInFlight: 2, maxItems: Math.min(256, MAX_SOCKET_SETUPS) });
    this.userSignals = new KeyedBuckets(options.signalRatePerSecond * 2, options.signalRatePerSecond * 4);
    this.framesIn = metrics.counter('parley_gateway_frames_in_total', 'client frames received', ['type']);
    this.invalidFrames = metrics.counter('parley_gateway_invalid_frames_total', 'client frames that failed validation');
  }

  behavior(): WebSocketBehavior<SocketSlot> {
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

  /**
   * Synchronous on purpose: uWS 20.30 may drop a socket upgraded after an await
   * (uNetworking/uWebSockets.js#1108), so the token is checked here with the loaded key set
   * (Ed25519 verification is synchronous) and the session's liveness after `open`. Only a token
   * whose key this gateway has not loaded yet (boot, a key rotation) waits for the key set.
   */
  private upgrade(res: HttpResponse, req: HttpRequest, context: us_socket_context_t): void {
    if (this.draining) {
      res.writeStatus('503 Service Unavailable');
      res.writeHeader('content-type', 'application/json; charset=utf-8');
      res.writeHeader('retry-after', '1');
      res.end(errorBody('UNAVAILABLE', 'this gateway is restarting; reconnect'));
      return;
    }
    const key = req.getHeader('sec-websocket-key');
    const protocol = req.getHeader('sec-websocket-protocol');
    const extensions = req.getHeader('sec-websocket-extensions');
    const token = presentedToken(req.getHeader('authorization'), req.getQuery() ?? '');
    const digest = tokenDigest(token);
    const generation = this.verifier.keysGeneration;
    let claims: TokenIdentity | null;
    try {
      claims = (digest === undefined ? undefined : this.reconnects.take(digest, generation)) ?? this.verifier.verifyNow(token);
      if (claims && this.sessions.known(claims.sid) === false) throw unauthenticated('session revoked');
    } catch (e) {
      return this.refuseUpgrade(res, e);
    }
    if (claims) {
      this.telemetry.upgrades.inc({ outcome: 'ok' });
      return res.upgrade({ conn: newConnectionData(claims, digest, generation, this.options) }, key, protocol, extensions, context);
    }
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    void this.verifier.verify(token).then(
      (verified) => {
        // Uncorked: cork() around an upgrade after an await is what trips #1108 (uWS warns instead).
        if (aborted) return void this.telemetry.upgrades.inc({ outcome: 'aborted' });
        this.telemetry.upgrades.inc({ outcome: 'ok' });
        res.upgrade({ conn: newConnectionData(verified, digest, this.verifier.keysGeneration, this.options) }, key, protocol, extensions, context);
      },
      (e: unknown) => {
        if (!aborted) res.cork(() => this.refuseUpgrade(res, e));
      },
    );
  }

  private refuseUpgrade(res: HttpResponse, e: unknown): void {
    const unavailable = isDomainError(e) && e.code === 'UNAVAILABLE';
    if (!isDomainError(e)) this.logger.warn('upgrade check failed', { err: e });
    const message = isDomainError(e) ? e.message : 'unauthenticated';
    this.telemetry.upgrades.inc({ outcome: unavailable ? 'unavailable' : 'unauthenticated' });
    if (!unavailable) this.telemetry.authFailed(message, 'upgrade');
    res.writeStatus(unavailable ? '503 Service Unavailable' : '401 Unauthorized');
    res.writeHeader('content-type', 'application/json; charset=utf-8');
    res.end(errorBody(unavailable ? 'UNAVAILABLE' : 'UNAUTHENTICATED', message));
  }

  private open(ws: Socket): void {
    const d = connectionOf(ws);
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
   * that syncs after hello misses no message either. Presence being down does not keep the user
   * out: the registration is retried in the background and, once it lands, the subscriptions are
   * read again so that nothing announced meanwhile is missed.
   */
  private async subscribeAndGreet(ws: Socket): Promise<void> {
    const d = connectionOf(ws);
    try {
      if (!(await this.sessions.isAlive(d.sessionId, d.exp))) {
        this.writer.close(ws, CloseCode.TOKEN_EXPIRED_OR_REVOKED, 'session revoked');
        return;
      }
      if (!d.open) return;
      const registered = await this.presence.connected(d.userId, d.id, this.options.gatewayId).then(
        () => true,
        (err: unknown) => (this.logger.warn('presence registration failed; retrying in the background', { err }), false),
      );
      await this.subscribe(ws, d);
      if (!d.open) return;
      if (!registered) this.registerLater(ws, d, 1000);
      this.writer.send(ws, { type: 'hello', user_id: d.userId, session_id: d.sessionId, heartbeat_ms: this.options.heartbeatMs });
      const early = d.early;
      d.early = null;
      const changes = d.afterHello;
      d.afterHello = undefined;
      for (const apply of changes ?? []) apply();
      for (const text of early ?? []) this.handleText(ws, text);
    } catch (err) {
      this.logger.warn('socket setup failed', { err });
      this.writer.close(ws, CloseCode.GOING_AWAY, 'try again');
    }
  }

  /** Watches the user's conversations and direct partners' presence (idempotent). */
  private async subscribe(ws: Socket, d: ConnectionData): Promise<void> {
    const setup = await this.setups.add(d.userId);
    if (!d.open) return;
    for (const id of setup.conversation_ids) this.registry.watchConversation(ws, id);
    for (const p of setup.direct_partners) this.registry.watchPresence(ws, p);
  }

  /** Retries a failed presence registration with backoff while the socket is open, then re-subscribes. */
  private registerLater(ws: Socket, d: ConnectionData, delayMs: number): void {
    // `d`, not connectionOf(ws): uWS forbids touching a socket after it closed.
    const timer = setTimeout(() => {
      if (!d.open) return;
      this.presence.connected(d.userId, d.id, this.options.gatewayId).then(
        () => {
          // Closed while registering: undo it, or the gateway's heartbeats would keep a ghost online.
          if (!d.open) return void this.presence.disconnected(d.userId, d.id, this.options.gatewayId).catch(() => undefined);
          this.subscribe(ws, d).catch((err: unknown) => this.logger.warn('re-subscribe after late presence registration failed', { err }));
        },
        () => this.registerLater(ws, d, Math.min(30_000, delayMs * 2)),
      );
    }, delayMs);
    timer.unref();
  }

  private closed(ws: Socket, code: number): void {
    this.telemetry.closes.inc({ code: String(code) });
    const d = connectionOf(ws);
    d.open = false;
    this.registry.remove(ws);
    this.calls?.socketClosed(d.id, d.userId);
    if (this.registry.socketsOf(d.userId).size === 0) this.userSignals.forget(d.userId);
    this.presence.disconnected(d.userId, d.id, this.options.gatewayId).catch((err: unknown) => this.logger.warn('presence disconnect failed', { err }));

    if (d.tokenDigest !== undefined && code !== CloseCode.TOKEN_EXPIRED_OR_REVOKED) {
      this.reconnects.remember(d.tokenDigest, { sub: d.userId, sid: d.sessionId, exp: d.exp }, d.keysGeneration);
    }
  }

  private message(ws: Socket, data: ArrayBuffer): void {
    const d = connectionOf(ws);
    if (!d.open) return;
    if (data.byteLength > Limits.MAX_FRAME_BYTES) return this.writer.close(ws, CloseCode.TOO_BIG, 'frame over 64 KiB');
    const text = Buffer.from(data).toString('utf8');
    // Frames that arrive before hello wait until the session is confirmed alive (a bounded few).
    if (d.early) {
      if (d.early.length >= MAX_EARLY_FRAMES) return this.writer.close(ws, CloseCode.POLICY, 'too many frames before hello');
      d.early.push(text);
      return;
    }
    this.handleText(ws, text);
  }

  private handleText(ws: Socket, text: string): void {
    const d = connectionOf(ws);
    if (!d.open) return;
    const parsed = parseClientFrame(text);
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
      const clientMsgId = 'client_msg_id' in parsed.value ? parsed.value.client_msg_id : undefined;
      this.writer.send(ws, { type: 'error', code: reply.code === 'INTERNAL' ? 'UNAVAILABLE' : reply.code, message: reply.message, ...(clientMsgId ? { client_msg_id: clientMsgId } : {}), ...(reply.retry_after !== undefined ? { retry_after: reply.retry_after } : {}) });
    });
  }

  private async handle(ws: Socket, f: ClientFrame): Promise<void> {
    const d = connectionOf(ws);
    switch (f.type) {
      case 'ping':
        this.writer.send(ws, f.nonce === undefined ? { type: 'pong' } : { type: 'pong', nonce: f.nonce });
        return;
      case 'send':
      case 'edit':
      case 'delete':
      case 'react':
        return this.send(ws, f);
      case 'sync':
        return this.setupWork.run(() => this.sync(ws, f));
      case 'typing': {
        // Ephemeral: a typing frame over the limit is dropped, it must never delay anyone's messages.
        if (!this.allowSignal(ws)) return;
        if (!this.registry.isWatching(ws, f.conversation_id)) return this.notFound(ws);
        const members = await this.memberCounts.of(f.conversation_id);
        if (!this.typingSampler.allow(f.conversation_id, members, Date.now())) return;
        const event: ConversationEvent = { type: 'typing', conversation_id: f.conversation_id, user_id: d.userId, state: f.state, member_count: members, ...(await this.aliases.typingAlias(d.userId, f.conversation_id)) };
        await this.log.append(Topics.events, f.conversation_id, event);
        return;
      }
      case 'read':
        if (!this.allowSignal(ws)) {
          this.writer.send(ws, { type: 'error', code: 'RATE_LIMITED', message: 'read markers too fast; send the latest one again later' });
          return;
        }
        await this.conversations.markRead(d.userId, f.conversation_id, f.seq);
        return;
      default:
        // Calls: ICE has its own budget; every other call frame shares the typing/read one.
        if (f.type !== 'call.ice' && !this.allowSignal(ws)) return this.writer.send(ws, { type: 'error', code: 'RATE_LIMITED', message: 'call frames too fast' });
        return this.calls?.handle({ socket_id: d.id, user_id: d.userId }, f, (frame) => this.writer.send(ws, frame));
    }
  }

  private async send(ws: Socket, f: SendFrame | LifecycleFrame): Promise<void> {
    const d = connectionOf(ws);
    if (!this.takeToken(d) || (f.type === 'react' && !this.pipeline.allowReaction(d.userId))) {
      if (++d.rateLimitedInARow >= RATE_LIMIT_CLOSE_AFTER) return this.writer.close(ws, CloseCode.RATE_LIMITED, 'rate limited');
      this.writer.send(ws, { type: 'error', code: 'RATE_LIMITED', message: 'sending too fast', client_msg_id: f.client_msg_id });
      return;
    }
    d.rateLimitedInARow = 0;
    const { text, extras } = ingressOf(f);
    const body = f.type === 'send' ? await this.bodyOf(d.userId, f) : { text };
    // Membership is checked by the sequencer (the one writer); a non-member gets FORBIDDEN from it.
    // Counted before the publish: the answer may come back before the publish call returns.
    d.pendingAcks++;
    // The frame's span is the root of the message's trace (docs/adr/0007-tracing.md).
    const started = performance.now();
    const attributes = () => ({ 'parley.conversation_id': f.conversation_id, 'parley.client_msg_id': f.client_msg_id, 'network.protocol.name': 'websocket' });
    try {
      await inSpan('ws send', { kind: SpanKind.SERVER, attributes, parent: ROOT_CONTEXT }, async (span) => {
        await this.pipeline.publish(d.userId, f.conversation_id, f.client_msg_id, body, d.id, traceHeaders(span), extras);
        // Inside the span: the observation's exemplar is this message's trace.
        this.telemetry.sendReceivedSeconds.observe((performance.now() - started) / 1000);
      });
    } catch (err) {
      d.pendingAcks = Math.max(0, d.pendingAcks - 1);
      throw err;
    }
    this.writer.send(ws, { type: 'ack', client_msg_id: f.client_msg_id, conversation_id: f.conversation_id, status: 'received' });
  }

  /** The body to publish: attachments (a member's own uploads) checked and described first. */
  private async bodyOf(userId: string, f: SendFrame): Promise<MessageBody> {
    if (!f.body.attachments || f.body.attachments.length === 0) return { text: f.body.text };
    if (!this.attachments || !(await this.conversations.isMember(userId, f.conversation_id))) throw new DomainError('NOT_FOUND', 'conversation not found');
    return this.attachments.bodyFor(userId, f.conversation_id, f.body);
  }

  private async sync(ws: Socket, f: SyncFrame): Promise<void> {
    const d = connectionOf(ws);
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

  /** Typing and read frames: a bucket per socket, and one per user across its sockets. */
  private allowSignal(ws: Socket): boolean {
    const d = connectionOf(ws);
    const now = Date.now();
    const rate = this.options.signalRatePerSecond;
    d.signalTokens = Math.min(rate * 2, d.signalTokens + ((now - d.signalRefilledAt) / 1000) * rate);
    d.signalRefilledAt = now;
    if (d.signalTokens < 1 || !this.userSignals.take(d.userId)) return false;
    d.signalTokens -= 1;
    return true;
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
}
