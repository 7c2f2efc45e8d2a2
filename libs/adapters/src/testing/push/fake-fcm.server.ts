import { connect as tlsConnect } from 'node:tls';
import { Agent, AgentOptions } from 'node:https';
import { createSecureServer, Http2SecureServer, Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { AddressInfo, Socket } from 'node:net';
import { importSPKI, jwtVerify, KeyLike } from 'jose';
import { TestTls } from './test-ca';

export interface FcmSendRequest {
  path: string;
  projectId: string;
  authorization: string;
  body: { message?: Record<string, unknown>; validate_only?: boolean };
  at: number;
}

export interface FcmTokenRequest {
  grantType: string;
  /** The assertion's claims, once its RS256 signature checked out against the service account's key. */
  claims: Record<string, unknown> | null;
}

export type FcmReply = { status: number; errorCode?: string; headers?: Record<string, string> };

const CANONICAL: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE' };

/**
 * A local FCM: the OAuth2 token exchange (`POST /token`, JWT-bearer grant signed by the service
 * account) and HTTP v1 (`POST /v1/projects/{id}/messages:send`, bearer token from the exchange).
 * HTTP/2 + TLS, with HTTP/1.1 allowed (firebase-admin's `send` speaks HTTP/1.1).
 */
export class FakeFcmServer {
  readonly sends: FcmSendRequest[] = [];
  readonly tokens: FcmTokenRequest[] = [];
  script: FcmReply[] = [];
  private readonly issued = new Set<string>();
  private server: Http2SecureServer | null = null;
  private n = 0;
  port = 0;

  constructor(
    private readonly tls: TestTls,
    private readonly serviceAccountPublicKeyPem: string,
    private readonly clientEmail: string,
  ) {}

  async start(): Promise<number> {
    const key = await importSPKI(this.serviceAccountPublicKeyPem, 'RS256');
    this.server = createSecureServer({ key: this.tls.key, cert: this.tls.cert, allowHTTP1: true }, (req, res) => void this.handle(req, res, key));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /**
   * An agent that takes any https host (oauth2.googleapis.com, fcm.googleapis.com) to this server,
   * keeping the host name for SNI and certificate checks, and trusting only the test CA.
   */
  agent(options: AgentOptions = {}): Agent {
    const port = this.port;
    const ca = this.tls.ca;
    class ToFake extends Agent {
      override createConnection(opts: { host?: string; servername?: string }, cb?: (err: Error | null, s: Socket) => void): Socket {
        const servername = opts.servername || opts.host || 'localhost';
        const socket = tlsConnect({ ...(opts as object), host: '127.0.0.1', port, servername, ca, ALPNProtocols: ['http/1.1'] });
        cb?.(null, socket);
        return socket;
      }
    }
    return new ToFake({ keepAlive: false, ...options });
  }

  private async handle(req: Http2ServerRequest, res: Http2ServerResponse, key: KeyLike): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    if (req.method === 'POST' && req.url === '/token') {
      const form = new URLSearchParams(raw);
      let claims: Record<string, unknown> | null = null;
      try {
        claims = (await jwtVerify(form.get('assertion') ?? '', key, { algorithms: ['RS256'], issuer: this.clientEmail, audience: 'https://oauth2.googleapis.com/token' })).payload as Record<string, unknown>;
      } catch {
        claims = null;
      }
      this.tokens.push({ grantType: form.get('grant_type') ?? '', claims });
      if (!claims || form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return this.json(res, 400, { error: 'invalid_grant' });
      const token = `ya29.fake-${++this.n}`;
      this.issued.add(token);
      return this.json(res, 200, { access_token: token, expires_in: 3600, token_type: 'Bearer' });
    }
    const m = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(req.url);
    if (req.method !== 'POST' || !m) return this.json(res, 404, { error: { code: 404, message: 'no such path', status: 'NOT_FOUND' } });
    const authorization = String(req.headers.authorization ?? '');
    this.sends.push({ path: req.url, projectId: m[1], authorization, body: JSON.parse(raw) as FcmSendRequest['body'], at: Date.now() });
    if (!this.issued.has(authorization.replace(/^Bearer /, ''))) return this.json(res, 401, { error: { code: 401, message: 'bad token', status: 'UNAUTHENTICATED' } });
    const r = this.script.shift() ?? { status: 200 };
    if (r.status === 200) return this.json(res, 200, { name: `projects/${m[1]}/messages/${this.sends.length}` }, r.headers);
    const status = CANONICAL[r.status] ?? 'UNKNOWN';
    return this.json(
      res,
      r.status,
      { error: { code: r.status, message: `fake ${r.errorCode ?? status}`, status, details: r.errorCode ? [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: r.errorCode }] : [] } },
      r.headers,
    );
  }

  private json(res: Http2ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
    res.end(JSON.stringify(body));
  }
}
