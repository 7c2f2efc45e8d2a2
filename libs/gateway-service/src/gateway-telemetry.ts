import { Logger, Metrics } from '@parley/observability';

/** Seconds, for latencies a user feels (sends, acks, REST calls, fan-out delay). */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** At most this many requests a second are logged one by one; the rest are counted in the next line. */
const REQUEST_LOG_PER_SECOND = 20;

/**
 * The gateway's own instruments (docs/slo.md and docs/runbooks.md name them): latency histograms
 * along the message path, connection lifecycle counters, auth outcomes at the edge, and the
 * sampled request log.
 */
export class GatewayTelemetry {
  readonly httpSeconds;
  /** send frame → `received` ack (durable in the ingress log). */
  readonly sendReceivedSeconds;
  /** send frame → `persisted` ack (sequenced and stored), at the sender's gateway. */
  readonly sendPersistedSeconds;
  /** message persisted (its created_at) → published to this gateway's sockets: the fan-out delay. */
  readonly fanoutDelaySeconds;
  readonly upgrades;
  readonly closes;
  readonly authFailures;
  private logWindow = { second: 0, logged: 0, skipped: 0 };

  constructor(metrics: Metrics, private readonly logger: Logger) {
    this.httpSeconds = metrics.histogram('parley_gateway_http_request_duration_seconds', 'REST requests by method, route template and status', LATENCY_BUCKETS, ['method', 'route', 'status']);
    this.sendReceivedSeconds = metrics.histogram('parley_gateway_send_received_seconds', 'WebSocket send frame to its received ack', LATENCY_BUCKETS);
    this.sendPersistedSeconds = metrics.histogram('parley_gateway_send_persisted_seconds', 'send (WebSocket or REST) to its persisted ack, at the sender\'s gateway', LATENCY_BUCKETS, ['transport']);
    this.fanoutDelaySeconds = metrics.histogram('parley_gateway_fanout_delay_seconds', 'message persisted (created_at) to published to this gateway\'s sockets', LATENCY_BUCKETS);
    this.upgrades = metrics.counter('parley_gateway_ws_upgrades_total', 'WebSocket upgrade attempts by outcome (ok, unauthenticated, unavailable)', ['outcome']);
    this.closes = metrics.counter('parley_gateway_ws_closes_total', 'WebSocket connections closed, by close code', ['code']);
    this.authFailures = metrics.counter('parley_gateway_auth_failures_total', 'requests and upgrades refused at the edge, by reason', ['reason']);
  }

  /**
   * One line per REST request (method, route template, status, duration), at most
   * REQUEST_LOG_PER_SECOND a second; a line then says how many were skipped.
   */
  logRequest(method: string, route: string, status: number, seconds: number): void {
    const second = Math.floor(Date.now() / 1000);
    const w = this.logWindow;
    if (w.second !== second) {
      if (w.skipped > 0) this.logger.info('http requests not logged (sampled)', { skipped: w.skipped, second: w.second });
      this.logWindow = { second, logged: 0, skipped: 0 };
    }
    if (this.logWindow.logged >= REQUEST_LOG_PER_SECOND) {
      this.logWindow.skipped++;
      return;
    }
    this.logWindow.logged++;
    this.logger.info('http request', { method, route, status, duration_ms: Math.round(seconds * 1000 * 10) / 10 });
  }

  /** An auth failure at the edge, logged with its reason (never the token). */
  authFailed(reason: string, where: 'upgrade' | 'rest'): void {
    this.authFailures.inc({ reason });
    this.logger.info('auth failed', { reason, where });
  }
}
