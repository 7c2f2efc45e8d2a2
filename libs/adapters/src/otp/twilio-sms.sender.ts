import { CodeDelivery, CodeMessage, CodeSender, codeText } from '@parley/ports';

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  /** The sender: an E.164 number of the account, or a Messaging Service SID (`MG…`). */
  from: string;
  /** Default `https://api.twilio.com`; a test server or an egress proxy otherwise. */
  baseUrl?: string;
  /** Per request (default 10 s). */
  timeoutMs?: number;
}

/** Twilio error codes that mean "this destination will never take an SMS from us". */
const PERMANENT_DESTINATION_ERRORS = new Set([21211, 21408, 21610, 21612, 21614]);

/** Bound on the error body read from the provider (its JSON is small). */
const MAX_ERROR_BODY = 8 * 1024;

/**
 * SMS through Twilio's Messages REST API (`POST /2010-04-01/Accounts/{sid}/Messages.json`, form
 * encoded, HTTP Basic with the account SID and auth token), over fetch. Twilio's error JSON
 * (`{code, message, status}`) decides the outcome: an unusable destination is `rejected`;
 * throttling (429), provider errors (5xx), bad credentials and network failures are `unavailable`.
 */
export class TwilioSmsSender implements CodeSender {
  readonly name = 'twilio';
  private readonly url: string;
  private readonly authorization: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: TwilioOptions) {
    if (!/^AC[0-9a-fA-F]{32}$/.test(options.accountSid)) throw new Error('twilio: the account SID must be AC followed by 32 hex digits');
    if (!options.authToken) throw new Error('twilio: the auth token is empty');
    if (!options.from) throw new Error('twilio: the sender (from) is empty');
    const base = (options.baseUrl ?? 'https://api.twilio.com').replace(/\/+$/, '');
    this.url = `${base}/2010-04-01/Accounts/${options.accountSid}/Messages.json`;
    this.authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async send(message: CodeMessage): Promise<CodeDelivery> {
    if (message.channel !== 'sms') return { status: 'rejected', reason: `twilio sends sms, not ${message.channel}` };
    const form = new URLSearchParams({ To: message.to, Body: codeText(message.code, message.ttlSeconds) });
    form.set(this.options.from.startsWith('MG') ? 'MessagingServiceSid' : 'From', this.options.from);
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { authorization: this.authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch (e) {
      return { status: 'unavailable', reason: `twilio unreachable: ${(e as Error).name === 'TimeoutError' ? 'timeout' : (e as Error).message}` };
    }
    const body = await readJson(res);
    if (res.status === 200 || res.status === 201) {
      const sid = typeof body?.sid === 'string' ? body.sid : undefined;
      return sid ? { status: 'sent', id: sid } : { status: 'sent' };
    }
    const code = typeof body?.code === 'number' ? body.code : null;
    const reason = `twilio ${res.status}${code === null ? '' : ` (${code})`}: ${typeof body?.message === 'string' ? body.message.slice(0, 200) : 'no error detail'}`;
    if (res.status === 400 && code !== null && PERMANENT_DESTINATION_ERRORS.has(code)) return { status: 'rejected', reason };
    return { status: 'unavailable', reason };
  }

  async close(): Promise<void> {}
}

/** At most MAX_ERROR_BODY bytes of the answer (the rest is not read), parsed as a JSON object. */
async function readJson(res: Response): Promise<Record<string, unknown> | null> {
  try {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = res.body?.getReader();
    while (reader && size < MAX_ERROR_BODY) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
    await reader?.cancel().catch(() => undefined);
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
