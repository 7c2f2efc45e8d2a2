import { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { DomainError } from '@parley/domain';
import { Limits } from '@parley/protocol';

/**
 * One HTTP request, copied out of uWS's stack-allocated `req` before any await (uWS forbids
 * touching `req` later), and a response that is safe to write once, corked, unless aborted.
 */
export class HttpExchange {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization: string;
  readonly contentType: string;
  /**
   * The client's address, for per-address limits: the peer's, or, behind a trusted proxy
   * (`addressHeader`, e.g. x-forwarded-for), the last entry that proxy appended.
   */
  readonly address: string;
  private readonly body: Promise<Buffer>;
  private aborted = false;
  private done = false;

  constructor(
    private readonly res: HttpResponse,
    req: HttpRequest,
    addressHeader = '',
  ) {
    this.method = req.getMethod().toUpperCase();
    this.path = req.getUrl();
    this.query = new URLSearchParams(req.getQuery() ?? '');
    this.authorization = req.getHeader('authorization');
    this.contentType = req.getHeader('content-type');
    const forwarded = addressHeader ? req.getHeader(addressHeader).split(',').pop()?.trim() : '';
    this.address = forwarded || Buffer.from(res.getRemoteAddressAsText()).toString('utf8');
    res.onAborted(() => {
      this.aborted = true;
    });
    // uWS delivers the body only to an onData handler attached before the handler returns, so
    // it is collected now, bounded, whatever the route does later (and after its awaits).
    this.body = this.method === 'GET' || this.method === 'HEAD' ? Promise.resolve(Buffer.alloc(0)) : collectBody(res, bodyLimitOf(this.method, this.path));
    this.body.catch(() => undefined); // a route that never reads the body must not leave an unhandled rejection
  }

  /** The body, up to the route's limit (bodyLimitOf); a larger body is PAYLOAD_TOO_LARGE. */
  readBody(): Promise<Buffer> {
    return this.body;
  }

  /** Parses a JSON body; a malformed or missing one is a 400, never a 500. */
  async readJson(): Promise<unknown> {
    const raw = await this.readBody();
    if (raw.length === 0) return undefined;
    try {
      return JSON.parse(raw.toString('utf8')) as unknown;
    } catch {
      throw new DomainError('VALIDATION_FAILED', 'request body is not valid JSON');
    }
  }

  get isOpen(): boolean {
    return !this.aborted && !this.done;
  }

  send(status: number, body: string | Buffer | null, headers: Record<string, string> = {}): void {
    if (!this.isOpen) return;
    this.done = true;
    this.res.cork(() => {
      this.res.writeStatus(statusLine(status));
      for (const [k, v] of Object.entries(headers)) this.res.writeHeader(k, v);
      if (body === null) this.res.endWithoutBody();
      else this.res.end(body);
    });
  }

  json(status: number, value: unknown, headers: Record<string, string> = {}): void {
    this.send(status, JSON.stringify(value), { 'content-type': 'application/json; charset=utf-8', ...headers });
  }
}

/**
 * A member list (creating a group, adding members) may name MEMBER_IDS_MAX ids of up to ID_MAX
 * characters: under the general 16 KiB bound it could not hold even 450 of our 36-character ids.
 * Those two routes get room for a full list (about 135 KB, still bounded); every other body keeps
 * the contract's 16 KiB.
 */
export const MEMBER_LIST_BODY_BYTES = Limits.MEMBER_IDS_MAX * (Limits.ID_MAX + 3) + 4096;
const MEMBER_LIST_ROUTE = /^\/v1\/conversations(?:\/[^/]+\/members)?$/;

/** The most bytes a request body may have on this route. */
export function bodyLimitOf(method: string, path: string): number {
  return method === 'POST' && MEMBER_LIST_ROUTE.test(path) ? MEMBER_LIST_BODY_BYTES : Limits.MAX_REST_BODY_BYTES;
}

const REASONS: Record<number, string> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden',
  404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 413: 'Payload Too Large', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large',
  500: 'Internal Server Error', 503: 'Service Unavailable',
};

const statusLine = (status: number) => `${status} ${REASONS[status] ?? 'Status'}`;

function collectBody(res: HttpResponse, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    res.onData((chunk, isLast) => {
      if (failed) return;
      size += chunk.byteLength;
      if (size > limit) {
        failed = true;
        reject(new DomainError('PAYLOAD_TOO_LARGE', `request body over ${limit} bytes`));
        return;
      }
      chunks.push(Buffer.from(chunk.slice(0))); // uWS reuses the chunk's memory after this callback
      if (isLast) resolve(Buffer.concat(chunks));
    });
  });
}
