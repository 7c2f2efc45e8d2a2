import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { App, TemplatedApp, us_listen_socket, us_listen_socket_close } from 'uWebSockets.js';
import { failSpan, inSpan, Logger, Metrics, ROOT_CONTEXT, SpanKind, traceHeaders } from '@parley/observability';
import { AuthApi, BlobStore, CallBatcher, CallStore, SharedBuckets, checkReadiness, DiskBlobStore, MemoryCallStore, ConversationApi, EventLog, JsonWebKeySet, PresenceApi, PushApi, ReadinessCheck, ReadinessReport, RouteTable, SESSIONS_ROUTE_KEY, UserDirectory } from '@parley/ports';
import { CloseCode } from '@parley/protocol';
import { TokenVerifier } from '@parley/tokens';
import { LocalDelivery } from './delivery/local-delivery';
import { CallSignaling, DEFAULT_CALL_OPTIONS } from './calls/call-signaling';
import { SessionLiveness } from './auth/session-liveness';
import { AuthThrottle, retryAfterOf } from './limits/auth-throttle';
import { SyncSource } from './delivery/sync-source';
import { GatewayOptions } from './gateway.options';
import { GatewayTelemetry } from './gateway-telemetry';
import { errorBody, toErrorReply } from './http/api-error';
import { HttpExchange } from './http/http-exchange';
import { buildRestRouter } from './http/rest-routes';
import { RestRouter } from './http/rest-router';
import { SendPipeline } from './send/send-pipeline';
import { AttachmentService } from './attachments/attachment-service';
import { sharpThumbnailer } from './attachments/thumbnail';
import { serveFiles } from './http/file-routes';
import { ConnectionRegistry } from './ws/connection-registry';
import { drainSockets } from './ws/drain';
import { connectionOf } from './ws/connection';
import { SocketHandler } from './ws/socket-handler';
import { SocketWriter, SWEEP_INTERVAL_MS } from './ws/socket-writer';

export interface GatewayDeps {
  options: GatewayOptions;
  auth: AuthApi;
  users: UserDirectory;
  conversations: ConversationApi;
  presence: PresenceApi;
  push: PushApi;
  routes: RouteTable;
  log: EventLog;
  readiness: ReadinessCheck[];
  logger: Logger;
  metrics: Metrics;
  /** Call state: Redis in the mesh; absent (standalone, tests): in memory. */
  calls?: CallStore;
  /** Sign-in limits every gateway shares: Redis in the mesh; absent (standalone): this gateway's own. */
  limits?: SharedBuckets;
  /** Where attachment bytes live (docs/adr/0011-attachments.md). */
  blobs: BlobStore;
}

/**
 * The public edge: one uWS app serving REST under /v1, the WebSocket at /v1/ws, health and the web
 * page (metrics are on the process's admin port). `delivery` is this gateway's receiving end of fanout.
 */
export class GatewayServer {
  readonly app: TemplatedApp;
  readonly delivery: LocalDelivery;
  private readonly registry: ConnectionRegistry;
  private readonly writer: SocketWriter;
  private readonly pipeline: SendPipeline;
  private readonly router: RestRouter;
  private readonly static = new Map<string, { body: Buffer; type: string }>();
  private listenSocket: us_listen_socket | null = null;
  private timers: NodeJS.Timeout[] = [];
  /** The auth service's key set as last fetched: until it is, no token can be verified. */
  private primedKeys: JsonWebKeySet | null = null;
  private sweepTick = 0;
  private readonly syncs: SyncSource;
  private readonly httpErrors;
  private readonly sockets: SocketHandler;
  private draining: Promise<void> | null = null;
  private readonly telemetry: GatewayTelemetry;

  constructor(private readonly deps: GatewayDeps) {
    const { options, logger } = deps;
    this.app = App();
    // Sessions this gateway has not seen yet (a reconnect storm after a restart) are asked about a batch at a time.
    const sessionChecks = new CallBatcher((sids: string[]) => deps.auth.sessionsActive(sids), { maxInFlight: 2, maxItems: 256 });
    const sessions = new SessionLiveness({ lookup: (sid) => sessionChecks.add(sid) });
    this.telemetry = new GatewayTelemetry(deps.metrics, logger);
    this.writer = new SocketWriter(options.maxBufferedBytes);
    this.pipeline = new SendPipeline(options.gatewayId, deps.log, undefined, this.telemetry, options.reactionRatePerSecond);
    let delivery: LocalDelivery | null = null;
    this.registry = new ConnectionRegistry(options.gatewayId, deps.routes, options.routeTtlMs, logger, (key) => delivery?.dropFeed(key));
    delivery = new LocalDelivery(options.gatewayId, this.app, this.registry, this.writer, this.pipeline, deps.conversations, sessions, logger, this.telemetry);
    this.delivery = delivery;
    const verifier = new TokenVerifier({
      issuer: options.issuer,
      audience: options.audience,
      // Falls back to the key set fetched by the readiness check when a fetch fails (a cold or busy
      // auth service), so the first upgrades after boot do not fail with 503.
      keys: async () => {
        try {
          this.primedKeys = await deps.auth.jwks();
        } catch (err) {
          if (!this.primedKeys) throw err;
        }
        return this.primedKeys;
      },
      onKeySetError: (err) => logger.warn('jwks fetch failed', { err }),
    });
    const attachments = new AttachmentService(deps.blobs, options.attachments, sharpThumbnailer(options.attachments.thumbnailPx));
    this.router = buildRestRouter({ ...deps, attachments, pipeline: this.pipeline, verifier, sessions, throttle: new AuthThrottle({ ...options.authLimits, ...(deps.limits ? { shared: deps.limits } : {}), logger }), restSendTimeoutMs: options.restSendTimeoutMs });
    const syncAnswers = deps.metrics.counter('parley_gateway_sync_answers_total', 'sync (resume) answers by source: recent messages here, a shared store read, or a store read', ['source']);
    const syncs = (this.syncs = new SyncSource({
      recentAfter: (id, after, limit) => this.delivery.recentAfter(id, after, limit),
      lastPublished: (id) => this.delivery.lastPublished(id),
      storeAfter: (userId, id, after, limit) => deps.conversations.history(userId, id, { after_seq: after, limit }),
      onAnswer: (source) => syncAnswers.inc({ source }),
    }));
    const sockets = (this.sockets = new SocketHandler(options, verifier, sessions, this.registry, this.writer, this.pipeline, deps.conversations, deps.presence, deps.log, syncs, logger, deps.metrics, this.telemetry, attachments));
    const callsEnded = deps.metrics.counter('parley_gateway_calls_ended_total', 'calls this gateway ended, by outcome (completed, missed, rejected, cancelled, busy)', ['outcome']);
    sockets.calls = new CallSignaling(
      deps.calls ?? new MemoryCallStore(),
      deps.conversations,
      deps.log,
      (sender, conversationId, clientMsgId, text, call) => this.pipeline.publish(sender, conversationId, clientMsgId, { text }, clientMsgId, {}, call ? { call } : {}),
      logger.child({ component: 'calls' }),
      (socketId) => this.registry.get(socketId) !== undefined,
      { ...DEFAULT_CALL_OPTIONS, ...options.calls },
      Date.now,
      (outcome) => callsEnded.inc({ outcome }),
    );
    this.httpErrors = deps.metrics.counter('parley_gateway_http_responses_total', 'HTTP responses by status class', ['status']);
    // Read at scrape time (the admin port's /metrics; the public port serves no metrics).
    deps.metrics.gauge('parley_gateway_connections_open', 'open WebSocket connections', [], () => this.registry.size);
    deps.metrics.gauge('parley_gateway_sync_shared_bytes', 'estimated bytes of the sync pages held for sharing (bounded)', [], () => this.syncs.heldBytes);
    this.loadStatic();
    // Standalone's attachment files: signed URLs served here (the mesh's are S3's).
    if (deps.blobs instanceof DiskBlobStore) serveFiles(this.app, deps.blobs, logger);

    this.app
      .ws('/v1/ws', sockets.behavior())
      .get('/healthz', (res) => {
        res.cork(() => res.writeHeader('content-type', 'application/json').end('{"status":"ok"}'));
      })
      .get('/readyz', (res, req) => {
        const x = new HttpExchange(res, req);
        if (this.draining) return x.json(503, { status: 'not_ready', failing: ['draining'] });
        void this.ready().then((report) => x.json(report.status === 'ready' ? 200 : 503, report));
      })
      .any('/*', (res, req) => this.http(new HttpExchange(res, req, options.clientAddressHeader)));
  }

  async listen(): Promise<number> {
    const { host, port } = this.deps.options;
    this.listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
      this.app.listen(host, port, (s) => (s ? resolve(s) : reject(new Error(`cannot listen on ${host}:${port}`))));
    });
    this.registerForRevocations();
    const heartbeat = setInterval(() => {
      this.deps.presence.gatewayHeartbeat(this.deps.options.gatewayId).catch((err: unknown) => this.deps.logger.warn('gateway heartbeat failed', { err }));
      this.registerForRevocations();
    }, Math.max(500, Math.floor(this.deps.options.routeTtlMs / 3)));
    const sweep = setInterval(() => this.sweepSockets(), SWEEP_INTERVAL_MS);
    heartbeat.unref();
    sweep.unref();
    this.timers = [heartbeat, sweep];
    return port;
  }

  /**
   * Every live gateway holds the sessions route so `session.revoked` reaches it (its liveness cache
   * serves REST too). Idempotent; repeated with each heartbeat so a lost registration heals.
   */
  private registerForRevocations(): void {
    const { gatewayId, routeTtlMs } = this.deps.options;
    this.deps.routes.register(SESSIONS_ROUTE_KEY, gatewayId, routeTtlMs).catch((err: unknown) => this.deps.logger.warn('sessions route register failed', { err }));
  }

  /**
   * SIGTERM: not ready at once (/readyz answers 503, so the load balancer stops sending), upgrades
   * refused with 503, every socket closed with 1012 spread over the drain window after its pending
   * acks are answered (ws/drain.ts); then close(). REST keeps working until then. Idempotent.
   */
  drain(): Promise<void> {
    this.draining ??= (async () => {
      this.sockets.draining = true;
      const windowMs = this.deps.options.drainMs;
      const open = [...this.registry.all()];
      this.deps.logger.info('gateway draining', { sockets: open.length, window_ms: windowMs });
      const result = await drainSockets(open, windowMs, {
        isOpen: (ws) => connectionOf(ws).open,
        pendingAcks: (ws) => connectionOf(ws).pendingAcks,
        close: (ws) => this.writer.close(ws, CloseCode.SERVICE_RESTART, 'service restart'),
      });
      this.deps.logger.info('gateway drained', { closed: result.closed, closed_with_pending_acks: result.closedWithPendingAcks });
      this.close();
    })();
    return this.draining;
  }

  /** Stops accepting, then closes every socket left with 1012 (clients reconnect elsewhere). */
  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.deps.routes.unregister(SESSIONS_ROUTE_KEY, this.deps.options.gatewayId).catch(() => undefined);
    if (this.listenSocket) us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
    this.sockets.draining = true;
    for (const ws of [...this.registry.all()]) this.writer.close(ws, CloseCode.SERVICE_RESTART, 'service restart');
    this.pipeline.close();
    this.sockets.calls?.close();
  }

  /**
   * Closes slow consumers (4408) and sockets whose token expired (4401). Buffers are walked only
   * after a turn that wrote (they grow only through writes); expiry once a second.
   */
  private sweepSockets(): void {
    const checkExpiry = this.sweepTick++ % Math.max(1, Math.round(1000 / SWEEP_INTERVAL_MS)) === 0;
    const checkBuffers = this.writer.takeWrites();
    if (checkExpiry) {
      this.syncs.prune();
      this.sockets.reconnects.prune();
    }
    if (!checkBuffers && !checkExpiry) return;
    const nowSec = Date.now() / 1000;
    for (const ws of [...this.registry.all()]) {
      if (checkBuffers && this.writer.enforceBound(ws)) continue;
      if (checkExpiry && connectionOf(ws).exp < nowSec) this.writer.close(ws, CloseCode.TOKEN_EXPIRED_OR_REVOKED, 'token expired');
    }
  }

  /** The process's readiness checks, plus: tokens can be verified. */
  private ready(): Promise<ReadinessReport> {
    return checkReadiness([...this.deps.readiness, { name: 'auth-keys', check: () => this.loadKeysOnce() }]);
  }

  /** Ready only once tokens can be verified: fetches the key set if it never was. */
  private async loadKeysOnce(): Promise<boolean> {
    if (!this.primedKeys) this.primedKeys = await this.deps.auth.jwks();
    return true;
  }

  private async http(x: HttpExchange): Promise<void> {
    if (x.method === 'GET' && !x.path.startsWith('/v1/')) {
      const file = this.static.get(x.path === '/' ? '/index.html' : x.path);
      if (file) return x.send(200, file.body, { 'content-type': file.type, 'cache-control': 'no-cache' });
    }
    const m = this.router.match(x.method, x.path);
    if (m === null) return this.fail(x, 404, 'NOT_FOUND', 'no such route');
    if ('allow' in m) return this.fail(x, 405, 'METHOD_NOT_ALLOWED', 'method not allowed', { allow: m.allow.join(', ') });
    if ('invalid' in m) return this.fail(x, 400, 'VALIDATION_FAILED', `${m.invalid} is not valid percent-encoded UTF-8`);
    const started = performance.now();
    const attributes = { 'http.request.method': x.method, 'http.route': m.route, 'url.scheme': 'http' };
    let status = 500;
    await inSpan(`${x.method} ${m.route}`, { kind: SpanKind.SERVER, attributes, parent: ROOT_CONTEXT }, async (span) => {
      try {
        const reply = await m.handler({ x, params: m.params, trace: traceHeaders(span) });
        status = reply.status;
        this.httpErrors.inc({ status: `${Math.floor(reply.status / 100)}xx` });
        if (reply.status === 204) x.send(204, null, reply.headers);
        else x.json(reply.status, reply.body, reply.headers);
      } catch (e) {
        const r = toErrorReply(e);
        status = r.status;
        if (r.status === 500) this.deps.logger.error('request failed', { method: x.method, route: m.route, err: e });
        if (r.status === 401) this.telemetry.authFailed(r.message, 'rest');
        if (r.status >= 500) failSpan(span, e, r.code);
        const retry: Record<string, string> = r.retry_after !== undefined ? { 'retry-after': String(r.retry_after) } : r.code === 'RATE_LIMITED' ? { 'retry-after': String(retryAfterOf(e)) } : {};
        this.fail(x, r.status, r.code, r.message, retry, r.retry_after);
      }
      span.setAttribute('http.response.status_code', status);
      // Inside the span: the request's log line carries its trace_id.
      const seconds = (performance.now() - started) / 1000;
      this.telemetry.httpSeconds.observe({ method: x.method, route: m.route, status: String(status) }, seconds);
      this.telemetry.logRequest(x.method, m.route, status, seconds);
    });
  }

  private fail(x: HttpExchange, status: number, code: string, message: string, headers: Record<string, string> = {}, retryAfter?: number): void {
    this.httpErrors.inc({ status: `${Math.floor(status / 100)}xx` });
    x.send(status, errorBody(code, message, retryAfter), { 'content-type': 'application/json; charset=utf-8', ...headers });
  }

  private loadStatic(): void {
    const dir = this.deps.options.webDir;
    if (!dir || !existsSync(dir)) return;
    const types: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.map': 'application/json', '.css': 'text/css' };
    for (const name of ['index.html', 'app.js', 'app.js.map', 'app.css']) {
      const p = join(dir, name);
      if (existsSync(p)) this.static.set(`/${name}`, { body: readFileSync(p), type: types[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream' });
    }
  }
}
