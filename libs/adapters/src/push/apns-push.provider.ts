import apn from '@parse/node-apn';
import { PushMessage, PushOutcome, PushProvider } from '@parley/ports';

export interface ApnsOptions {
  /** The .p8 signing key (PEM text), its key id and the team id: token-based auth. */
  key: string;
  keyId: string;
  teamId: string;
  /** The topic (bundle id) used when a device registered none. */
  defaultTopic: string;
  /** false: every device goes to the sandbox; true: devices go to production unless registered with sandbox. */
  production: boolean;
  /** host[:port] instead of Apple's (a local test server, or an egress proxy that speaks HTTP/2). */
  address?: string;
  /** Extra trusted CAs (PEM), for such an address. */
  ca?: string[];
  requestTimeoutMs?: number;
}

/** APNs reasons that mean the token will never work again: delete the device. */
const DEAD_REASONS = new Set(['BadDeviceToken', 'Unregistered', 'DeviceTokenNotForTopic', 'ExpiredToken']);
const DAY_SECONDS = 24 * 3600;

interface ApnsFailure {
  status?: number | string;
  response?: { reason?: string };
  error?: Error;
}

/**
 * APNs over HTTP/2 through @parse/node-apn with token (.p8) auth. The library's own retries are
 * off (its Retry-After handling never leaves it): Parley's dispatcher retries with backoff.
 */
export class ApnsPushProvider implements PushProvider {
  readonly name = 'apns';
  private readonly clients = new Map<'production' | 'sandbox', apn.Provider>();

  constructor(private readonly options: ApnsOptions) {
    if (!options.key.includes('PRIVATE KEY')) throw new Error('APNs key must be a .p8 private key (PEM)');
    if (!/^[A-Z0-9]{10}$/.test(options.keyId)) throw new Error('APNs key id must be 10 characters A-Z 0-9');
    if (!/^[A-Z0-9]{10}$/.test(options.teamId)) throw new Error('APNs team id must be 10 characters A-Z 0-9');
  }

  async send(m: PushMessage): Promise<PushOutcome> {
    const note = this.notification(m);
    let result: { sent: Array<{ device: string; 'apns-id'?: string }>; failed: ApnsFailure[] };
    try {
      result = (await this.client(m.sandbox || !this.options.production ? 'sandbox' : 'production').send(note, m.token)) as unknown as typeof result;
    } catch (err) {
      return { status: 'retry', reason: err instanceof Error ? err.message : String(err) };
    }
    if (result.sent.length > 0) return { status: 'accepted', id: result.sent[0]['apns-id'] };
    return classify(result.failed[0] ?? {});
  }

  notification(m: PushMessage): apn.Notification {
    const note = new apn.Notification();
    note.topic = m.app_id || this.options.defaultTopic;
    note.collapseId = m.collapse_id;
    note.expiry = Math.floor(Date.now() / 1000) + DAY_SECONDS;
    note.badge = m.badge;
    note.payload = { conversation_id: m.data.conversation_id, seq: m.data.seq };
    if (m.kind === 'alert') {
      note.pushType = 'alert';
      note.priority = 10;
      note.alert = { title: m.title, body: m.body };
      note.sound = 'default';
      note.threadId = m.data.conversation_id;
      note.payload = { ...note.payload, count: m.count };
    } else {
      note.pushType = 'background';
      note.priority = 5;
      note.contentAvailable = true;
      note.payload = { ...note.payload, clear: true };
    }
    return note;
  }

  async close(): Promise<void> {
    for (const c of this.clients.values()) await c.shutdown();
    this.clients.clear();
  }

  private client(env: 'production' | 'sandbox'): apn.Provider {
    let c = this.clients.get(env);
    if (!c) {
      c = new apn.Provider({
        token: { key: this.options.key, keyId: this.options.keyId, teamId: this.options.teamId },
        production: env === 'production',
        ...hostAndPort(this.options.address),
        ...(this.options.ca ? { ca: this.options.ca } : {}),
        connectionRetryLimit: 0,
        requestTimeout: this.options.requestTimeoutMs ?? 5000,
      } as apn.ProviderOptions);
      this.clients.set(env, c);
    }
    return c;
  }
}

/** `host[:port]` as node-apn wants it (its `address` is a host name; the port is separate). */
function hostAndPort(address: string | undefined): { address?: string; port?: number } {
  if (!address) return {};
  const m = /^(.+?)(?::(\d{1,5}))?$/.exec(address);
  if (!m) throw new Error(`APNs address must be host[:port], got "${address}"`);
  return m[2] ? { address: m[1], port: Number(m[2]) } : { address: m[1] };
}

export function classify(f: ApnsFailure): PushOutcome {
  const status = Number(f.status ?? 0);
  const reason = f.response?.reason ?? f.error?.message ?? `status ${status}`;
  if (status === 410 || DEAD_REASONS.has(reason)) return { status: 'dead-token', reason };
  if (status === 0 || status === 429 || status >= 500) return { status: 'retry', reason };
  return { status: 'failed', reason };
}
