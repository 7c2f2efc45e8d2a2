import { request } from 'node:http';
import { Metrics } from '@parley/observability';
import { ReadinessCheck } from '@parley/ports';
import { AdminServer, startAdminServer } from './admin-server';

interface Reply {
  status: number;
  type: string | undefined;
  allow: string | undefined;
  body: string;
}

function call(address: string, method: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const req = request({ host, port, method, path, agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], allow: res.headers.allow, body }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{"a":1}' : undefined);
  });
}

describe('admin server', () => {
  let server: AdminServer;
  let metrics: Metrics;
  let kafkaUp = true;
  const checks: ReadinessCheck[] = [
    { name: 'postgres', check: async () => true },
    { name: 'kafka', check: async () => kafkaUp },
  ];

  beforeAll(async () => {
    metrics = new Metrics({ service: 'admin-test' });
    metrics.counter('parley_admin_test_things_total', 'things counted by the test', ['kind']).inc({ kind: 'a' }, 3);
    server = await startAdminServer({ host: '127.0.0.1', port: 0, metrics, readiness: checks });
  });

  afterAll(() => server.close());

  it('listens on the given host, on a free port when asked for 0', () => {
    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(server.address).not.toBe('127.0.0.1:0');
  });

  it('serves the process registry as Prometheus text on /metrics', async () => {
    const reply = await call(server.address, 'GET', '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(reply.body).toContain('parley_admin_test_things_total{kind="a",service="admin-test"} 3');
    expect(reply.body).toContain('process_cpu_user_seconds_total');
  });

  it('serves OpenMetrics (where exemplars are written) when the scraper asks for it', async () => {
    const reply = await call(server.address, 'GET', '/metrics', { accept: 'application/openmetrics-text;version=1.0.0;q=0.6,text/plain;version=0.0.4;q=0.3,*/*;q=0.2' });
    expect(reply.status).toBe(200);
    expect(reply.type).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(reply.body).toContain('# TYPE parley_admin_test_things counter');
    expect(reply.body).toContain('parley_admin_test_things_total{kind="a",service="admin-test"} 3');
    expect(reply.body.endsWith('# EOF\n')).toBe(true);
    // The next plain scrape is the text format again, counters named as before.
    expect((await call(server.address, 'GET', '/metrics')).body).toContain('# TYPE parley_admin_test_things_total counter');
  });

  it('answers /healthz while the process runs, query string or not', async () => {
    for (const path of ['/healthz', '/healthz?probe=1']) {
      const reply = await call(server.address, 'GET', path);
      expect({ path, status: reply.status, body: JSON.parse(reply.body) as unknown }).toEqual({ path, status: 200, body: { status: 'ok' } });
    }
  });

  it('answers /readyz like the gateway: 200 ready, or 503 naming the failing checks', async () => {
    kafkaUp = true;
    const ready = await call(server.address, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.type).toBe('application/json; charset=utf-8');
    expect(JSON.parse(ready.body)).toEqual({ status: 'ready', failing: [] });

    kafkaUp = false;
    const down = await call(server.address, 'GET', '/readyz');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toEqual({ status: 'not_ready', failing: ['kafka'] });
    kafkaUp = true;
  });

  it('answers an unknown path 404 and any other method 405, as JSON errors', async () => {
    const missing = await call(server.address, 'GET', '/v1/conversations');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({ error: { code: 'NOT_FOUND', message: 'no such route' } });

    for (const [method, path] of [['POST', '/metrics'], ['DELETE', '/readyz'], ['PUT', '/nowhere']]) {
      const reply = await call(server.address, method, path);
      expect({ method, path, status: reply.status, allow: reply.allow, body: JSON.parse(reply.body) as unknown }).toEqual({
        method,
        path,
        status: 405,
        allow: 'GET',
        body: { error: { code: 'METHOD_NOT_ALLOWED', message: 'method not allowed' } },
      });
    }
  });

  it('fails to start, naming the address, when the port is taken', async () => {
    const port = Number(server.address.split(':')[1]);
    await expect(startAdminServer({ host: '127.0.0.1', port, metrics, readiness: [] })).rejects.toThrow(`admin port cannot listen on 127.0.0.1:${port}`);
  });
});

describe('checkReadiness through the admin server', () => {
  it('counts a check that throws or hangs as failing', async () => {
    const metrics = new Metrics({ service: 'admin-test-2' });
    const checks: ReadinessCheck[] = [
      { name: 'throws', check: () => Promise.reject(new Error('down')) },
      { name: 'ok', check: async () => true },
    ];
    const server = await startAdminServer({ host: '127.0.0.1', port: 0, metrics, readiness: checks });
    try {
      const reply = await call(server.address, 'GET', '/readyz');
      expect(reply.status).toBe(503);
      expect(JSON.parse(reply.body)).toEqual({ status: 'not_ready', failing: ['throws'] });
    } finally {
      await server.close();
    }
  });
});
