import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface TwilioMessageRecord {
  accountSid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
}

/**
 * A local stand-in for Twilio's Messages API on loopback (tests only): checks HTTP Basic auth
 * against the account it was made with, parses the form body, records each message and answers
 * as Twilio does (201 with a message resource, or its error JSON `{code, message, more_info,
 * status}`). `failNext` makes the next requests fail with a given status and Twilio error code.
 */
export class FakeTwilioServer {
  readonly accountSid = `AC${randomBytes(16).toString('hex')}`;
  readonly authToken = randomBytes(16).toString('hex');
  readonly messages: TwilioMessageRecord[] = [];
  /** Requests refused for bad credentials. */
  unauthorized = 0;
  private readonly failures: Array<{ status: number; code: number; message: string }> = [];
  private server?: Server;
  private port = 0;

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  failNext(status: number, code: number, message: string, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push({ status, code, message });
  }

  /** The codes sent to `to`, oldest first (the digits of each message). */
  codesTo(to: string): string[] {
    return this.messages.filter((m) => m.to === to).map((m) => /\b(\d{4,10})\b/.exec(m.body)?.[1] ?? '');
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return error(res, 404, 20404, 'The requested resource was not found');
    const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
    if (req.headers.authorization !== expected || match[1] !== this.accountSid) {
      this.unauthorized++;
      return error(res, 401, 20003, 'Authenticate');
    }
    if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) return error(res, 400, 20001, 'Form body expected');
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const to = form.get('To');
    const body = form.get('Body');
    if (!to || !body || (!form.get('From') && !form.get('MessagingServiceSid'))) return error(res, 400, 21604, "A 'To' phone number, a 'Body' and a 'From' are required.");
    const failure = this.failures.shift();
    if (failure) return error(res, failure.status, failure.code, failure.message);
    if (!/^\+[1-9]\d{6,14}$/.test(to)) return error(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    this.messages.push({ accountSid: match[1], to, from: form.get('From'), messagingServiceSid: form.get('MessagingServiceSid'), body });
    const sid = `SM${randomBytes(16).toString('hex')}`;
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ sid, account_sid: this.accountSid, to, from: form.get('From'), body, status: 'queued', num_segments: '1', error_code: null }));
  }
}

function error(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }));
}
