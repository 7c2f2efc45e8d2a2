import { createSecureServer, Http2SecureServer, Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { AddressInfo } from 'node:net';
import { decodeProtectedHeader, importSPKI, jwtVerify, KeyLike } from 'jose';
import { TestTls } from './test-ca';

export interface ApnsRequest {
  method: string;
  path: string;
  token: string;
  headers: Record<string, string | undefined>;
  body: Record<string, unknown>;
  /** The bearer JWT checked against the key: its kid and iss. */
  jwt: { kid: string; iss: string } | null;
  /** When it arrived (ms since the epoch). */
  at: number;
}

export type ApnsReply = { status: number; reason?: string; headers?: Record<string, string> };

/**
 * A local APNs (HTTP/2 + TLS): `POST /3/device/{token}` with token auth. It verifies the bearer
 * JWT (ES256) against the public half of the .p8 key, records each request, and answers 200 with
 * an apns-id, or what `script` says (a queue of replies, then 200).
 */
export class FakeApnsServer {
  readonly requests: ApnsRequest[] = [];
  script: ApnsReply[] = [];
  private server: Http2SecureServer | null = null;
  private ids = 0;
  port = 0;

  constructor(
    private readonly tls: TestTls,
    private readonly publicKeyPem: string,
  ) {}

  async start(): Promise<number> {
    const key = await importSPKI(this.publicKeyPem, 'ES256');
    this.server = createSecureServer({ key: this.tls.key, cert: this.tls.cert }, (req, res) => void this.handle(req, res, key));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Waits until `n` requests arrived (bounded). */
  async waitFor(n: number, timeoutMs = 15_000): Promise<ApnsRequest[]> {
    const until = Date.now() + timeoutMs;
    while (this.requests.length < n) {
      if (Date.now() > until) throw new Error(`fake APNs saw ${this.requests.length} requests, expected ${n}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return this.requests;
  }

  private async handle(req: Http2ServerRequest, res: Http2ServerResponse, key: KeyLike): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const m = /^\/3\/device\/([0-9a-fA-F]+)$/.exec(req.url);
    if (req.method !== 'POST' || !m) return this.reply(res, { status: 404, reason: 'BadPath' });
    const auth = String(req.headers.authorization ?? '');
    let jwt: ApnsRequest['jwt'] = null;
    try {
      const token = auth.replace(/^bearer /i, '');
      const { payload } = await jwtVerify(token, key, { algorithms: ['ES256'] });
      jwt = { kid: String(decodeProtectedHeader(token).kid), iss: String(payload.iss) };
    } catch {
      jwt = null;
    }
    const headers: ApnsRequest['headers'] = {};
    for (const h of ['authorization', 'apns-topic', 'apns-push-type', 'apns-priority', 'apns-collapse-id', 'apns-expiration', 'apns-id', ':authority']) {
      const v = req.headers[h];
      headers[h] = v === undefined ? undefined : String(v);
    }
    this.requests.push({ method: req.method, path: req.url, token: m[1], headers, body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {}, jwt, at: Date.now() });
    if (!jwt) return this.reply(res, { status: 403, reason: 'InvalidProviderToken' });
    this.reply(res, this.script.shift() ?? { status: 200 });
  }

  private reply(res: Http2ServerResponse, r: ApnsReply): void {
    res.writeHead(r.status, { 'apns-id': `00000000-0000-4000-8000-${String(++this.ids).padStart(12, '0')}`, ...(r.headers ?? {}) });
    res.end(r.status === 200 ? '' : JSON.stringify({ reason: r.reason ?? 'InternalServerError', ...(r.status === 410 ? { timestamp: Date.now() } : {}) }));
  }
}
