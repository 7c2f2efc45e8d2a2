import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Logger, Metrics, OPENMETRICS_TEXT, PROMETHEUS_TEXT, wantsOpenMetrics } from '@parley/observability';
import { AdminRoute, checkReadiness, ReadinessCheck } from '@parley/ports';

export interface AdminServerOptions {
  host: string;
  /** 0 picks a free port (tests); `address` tells which. */
  port: number;
  /** The process's own registry: what its services count. */
  metrics: Metrics;
  /** The same checks the process was built with (READINESS_CHECKS). */
  readiness: readonly ReadinessCheck[];
  logger?: Logger;
  /** Operator routes the process provides (ADMIN_ROUTES), matched by path prefix. */
  routes?: readonly AdminRoute[];
}

export interface AdminServer {
  /** Where it listens, `host:port`. */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * The admin HTTP port of a process that has no public one (auth, messaging, presence, fanout,
 * notification): Prometheus scrapes /metrics, the kubelet probes /healthz and /readyz. Read-only
 * and tiny on purpose; it answers like the gateway's public endpoints.
 */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const server = createServer((req, res) => {
    handle(req, res, options).catch((err: unknown) => {
      options.logger?.warn('admin request failed', { path: req.url, err });
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'INTERNAL', message: 'internal error' } });
      else res.destroy();
    });
  });
  // Scrapes and probes are short: do not let an idle or slow client hold a socket for long.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;
  await listen(server, options.host, options.port);
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return { address: `${host}:${bound.port}`, close: () => close(server) };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: AdminServerOptions): Promise<void> {
  // Nothing here reads a body: drain any so the connection can be reused.
  req.resume();
  if (req.method !== 'GET') {
    sendJson(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'method not allowed' } }, { allow: 'GET' });
    return;
  }
  const url = new URL(req.url ?? '/', 'http://admin');
  const path = url.pathname;
  const route = options.routes?.find((r) => path.startsWith(r.prefix));
  if (route) {
    const answer = await route.handle(path, url.searchParams);
    sendJson(res, answer.status, answer.body);
    return;
  }
  switch (path) {
    case '/healthz':
      sendJson(res, 200, { status: 'ok' });
      return;
    case '/readyz': {
      const report = await checkReadiness(options.readiness);
      sendJson(res, report.status === 'ready' ? 200 : 503, report);
      return;
    }
    case '/metrics': {
      // OpenMetrics (with exemplars) when the scraper asks for it; the Prometheus text format otherwise.
      const contentType = wantsOpenMetrics(req.headers.accept) ? OPENMETRICS_TEXT : PROMETHEUS_TEXT;
      const text = await options.metrics.render(contentType);
      res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), vary: 'accept' });
      res.end(text);
      return;
    }
    default:
      sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'no such route' } });
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(new Error(`admin port cannot listen on ${host}:${port}: ${err.message}`, { cause: err }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
