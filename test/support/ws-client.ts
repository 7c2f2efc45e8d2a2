/**
 * A raw WebSocket test client over the `ws` package: it keeps every frame it receives (bounded),
 * waits for frames by predicate with a bounded timeout, and reports sends, acks, syncs and
 * deliveries to a HistoryChecker when one is given.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { ErrorFrame, Frame, HelloFrame, MessageFrame, PersistedAckFrame, SyncDoneFrame } from './contract';
import { isMessageFrame } from './contract';
import type { HistoryChecker } from './history-checker';

export const DEFAULT_WAIT_MS = 20_000;
/** Frames kept per socket; a test that receives more has a bug (or the server floods). */
const MAX_FRAMES = 100_000;

export interface SocketOptions {
  /** The name the history checker knows this client by (default: the user id from hello). */
  clientId?: string;
  checker?: HistoryChecker;
  /** How the token travels at the upgrade (default header). */
  via?: 'header' | 'query';
  timeoutMs?: number;
}

export interface CloseInfo {
  code: number;
  reason: string;
}

interface Waiter {
  predicate: (f: Frame) => boolean;
  resolve: (f: Frame) => void;
  reject: (e: Error) => void;
  from: number;
}

let connectionCounter = 0;

export class TestSocket {
  readonly connectionId = `k${++connectionCounter}-${randomUUID().slice(0, 8)}`;
  readonly frames: Frame[] = [];
  readonly closed: Promise<CloseInfo>;
  clientId: string;
  private helloFrame: HelloFrame | null = null;
  private readonly waiters = new Set<Waiter>();
  private closeInfo: CloseInfo | null = null;
  private failure: Error | null = null;

  private constructor(
    readonly ws: WebSocket,
    private readonly checker: HistoryChecker | undefined,
    clientId: string | undefined,
  ) {
    this.clientId = clientId ?? '';
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        // A 1006 with a client-side error (a frame the client refused) says why: keep it in the message.
        const why = this.failure ? `; client error: ${this.failure.message}` : '';
        for (const w of this.waiters) w.reject(new Error(`socket ${this.connectionId} closed (${code} ${reason.toString()}) while waiting${why}`));
        this.waiters.clear();
        resolve(this.closeInfo);
      });
    });
    ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    ws.on('error', (err) => {
      this.failure = err;
    });
  }

  /**
   * Opens a socket and waits for the server's `hello` frame. No retry: the gateway upgrades
   * synchronously, so a socket dropped before its hello is a failure the test must see.
   */
  static async open(wsUrl: string, token: string, opts: SocketOptions = {}): Promise<TestSocket> {
    const url = opts.via === 'query' ? `${wsUrl}?access_token=${encodeURIComponent(token)}` : wsUrl;
    const headers = opts.via === 'query' ? {} : { authorization: `Bearer ${token}` };
    const ws = new WebSocket(url, { headers, handshakeTimeout: opts.timeoutMs ?? DEFAULT_WAIT_MS });
    const socket = new TestSocket(ws, opts.checker, opts.clientId);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`WebSocket upgrade answered HTTP ${res.statusCode}`));
        res.resume();
        ws.terminate();
      });
      ws.once('error', reject);
    });
    await socket.waitFor<HelloFrame>((f) => f.type === 'hello', 'hello', opts.timeoutMs);
    return socket;
  }

  /** The server's first frame; open() resolves only after it arrived. */
  get hello(): HelloFrame {
    if (this.helloFrame === null) throw new Error(`socket ${this.connectionId} has no hello frame yet`);
    return this.helloFrame;
  }

  get userId(): string {
    return this.hello.user_id;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  get closeResult(): CloseInfo | null {
    return this.closeInfo;
  }

  send(frame: Record<string, unknown>): void {
    if (frame.type === 'sync' && this.checker !== undefined && typeof frame.conversation_id === 'string' && typeof frame.after_seq === 'number') {
      this.checker.recordSync(this.clientId, this.connectionId, frame.conversation_id, frame.after_seq);
    }
    this.ws.send(JSON.stringify(frame));
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /**
   * Resolves with the first frame (received at or after index `from`, default 0) that matches.
   * Rejects after the timeout or when the socket closes, naming what it waited for.
   */
  waitFor<T extends Frame = Frame>(predicate: (f: Frame) => boolean, what: string, timeoutMs = DEFAULT_WAIT_MS, from = 0): Promise<T> {
    for (let i = from; i < this.frames.length; i++) {
      if (predicate(this.frames[i])) return Promise.resolve(this.frames[i] as T);
    }
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.closeInfo !== null) {
      return Promise.reject(new Error(`socket ${this.connectionId} is closed (${this.closeInfo.code}); never got ${what}`));
    }
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        from,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`${this.clientId}/${this.connectionId}: no ${what} within ${timeoutMs} ms; last frames: ${this.describeLast(5)}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Waits until `count` frames match and returns them in arrival order. */
  async waitForCount<T extends Frame = Frame>(predicate: (f: Frame) => boolean, count: number, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<T[]> {
    let seen = 0;
    await this.waitFor((f) => predicate(f) && ++seen >= count, `${count} x ${what}`, timeoutMs).catch((err: Error) => {
      throw new Error(`${err.message} (had ${this.frames.filter(predicate).length})`);
    });
    return this.frames.filter(predicate) as T[];
  }

  /** The message frames received for a conversation, in arrival order. */
  messages(conversationId: string): MessageFrame[] {
    return this.frames.filter((f): f is MessageFrame => isMessageFrame(f) && f.conversation_id === conversationId);
  }

  /** Waits until a message with this seq (or higher) of the conversation has arrived. */
  waitForSeq(conversationId: string, seq: number, timeoutMs = DEFAULT_WAIT_MS): Promise<MessageFrame> {
    return this.waitFor<MessageFrame>(
      (f) => isMessageFrame(f) && f.conversation_id === conversationId && f.seq >= seq,
      `message seq ${seq} of ${conversationId}`,
      timeoutMs,
    );
  }

  /** Sends a ping with a fresh nonce and waits for its pong. */
  async ping(timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    const nonce = randomUUID();
    this.send({ type: 'ping', nonce });
    await this.waitFor((f) => f.type === 'pong' && f.nonce === nonce, `pong ${nonce}`, timeoutMs);
  }

  /** Sends a message and waits for its persisted ack; records the send and the ack. */
  async sendMessage(conversationId: string, text: string, clientMsgId: string = randomUUID(), timeoutMs = DEFAULT_WAIT_MS): Promise<PersistedAckFrame> {
    const from = this.frames.length;
    this.sendFrameOnly(conversationId, text, clientMsgId);
    const answer = await this.waitFor(
      (f) => (isPersistedAck(f) || f.type === 'error') && f.client_msg_id === clientMsgId,
      `persisted ack of ${clientMsgId}`,
      timeoutMs,
      from,
    );
    if (answer.type === 'error') throw new Error(`send ${clientMsgId} answered with error ${JSON.stringify(answer)}`);
    return answer as PersistedAckFrame;
  }

  /** Sends a `send` frame without waiting; the ack is recorded when it arrives. */
  sendFrameOnly(conversationId: string, text: string, clientMsgId: string = randomUUID()): string {
    this.checker?.recordSend({ clientId: this.clientId, senderId: this.userId, conversationId, clientMsgId, text });
    this.send({ type: 'send', conversation_id: conversationId, client_msg_id: clientMsgId, body: { text } });
    return clientMsgId;
  }

  /** Sends `sync` and returns the message frames that came before its `sync.done`, and the done frame. */
  async sync(conversationId: string, afterSeq: number, limit?: number, timeoutMs = DEFAULT_WAIT_MS): Promise<{ messages: MessageFrame[]; done: SyncDoneFrame }> {
    const from = this.frames.length;
    const frame: Record<string, unknown> = { type: 'sync', conversation_id: conversationId, after_seq: afterSeq };
    if (limit !== undefined) frame.limit = limit;
    this.send(frame);
    const done = await this.waitFor<SyncDoneFrame | ErrorFrame>(
      (f) => (f.type === 'sync.done' && f.conversation_id === conversationId) || f.type === 'error',
      `sync.done of ${conversationId}`,
      timeoutMs,
      from,
    );
    if (done.type === 'error') throw new Error(`sync of ${conversationId} answered with error ${JSON.stringify(done)}`);
    const end = this.frames.indexOf(done);
    const messages = this.frames
      .slice(from, end)
      .filter((f): f is MessageFrame => isMessageFrame(f) && f.conversation_id === conversationId);
    return { messages, done: done as SyncDoneFrame };
  }

  /** Closes normally and waits for the close to complete. */
  async close(code = 1000): Promise<CloseInfo> {
    if (this.closeInfo === null) this.ws.close(code);
    return this.closed;
  }

  /** Drops the TCP connection without a close handshake, as a vanished client would. */
  async terminate(): Promise<CloseInfo> {
    if (this.closeInfo === null) this.ws.terminate();
    return this.closed;
  }

  describeLast(n: number): string {
    return this.frames
      .slice(-n)
      .map((f) => JSON.stringify(f).slice(0, 300))
      .join(' | ') || '(none)';
  }

  private onFrame(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.frames.length >= MAX_FRAMES) {
      this.failure = new Error(`socket ${this.connectionId} received more than ${MAX_FRAMES} frames`);
      this.ws.terminate();
      return;
    }
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
    let frame: Frame;
    try {
      const parsed: unknown = JSON.parse(text);
      frame = isFrame(parsed) ? parsed : { type: '(not a frame)', raw: text.slice(0, 500) };
    } catch (err) {
      frame = { type: '(not json)', raw: text.slice(0, 500), error: String(err), binary: isBinary };
    }
    this.frames.push(frame);
    this.report(frame);
    for (const w of [...this.waiters]) {
      if (this.frames.length - 1 >= w.from && w.predicate(frame)) {
        this.waiters.delete(w);
        w.resolve(frame);
      }
    }
  }

  private report(frame: Frame): void {
    if (frame.type === 'hello') {
      if (this.helloFrame === null) {
        this.helloFrame = frame as HelloFrame;
        if (this.clientId === '') this.clientId = this.helloFrame.user_id;
      }
      return;
    }
    if (this.helloFrame === null) {
      this.failure = new Error(`socket ${this.connectionId} received ${frame.type} before hello (hello must come first)`);
      return;
    }
    if (this.checker === undefined) return;
    if (isMessageFrame(frame)) {
      this.checker.recordDelivery(this.clientId, this.connectionId, frame);
    } else if (isPersistedAck(frame)) {
      this.checker.recordAck({
        conversationId: frame.conversation_id,
        senderId: this.helloFrame.user_id,
        clientMsgId: frame.client_msg_id,
        seq: frame.seq,
        messageId: frame.message_id,
        via: 'ws',
      });
    }
  }
}

export function isPersistedAck(f: Frame): f is PersistedAckFrame {
  return f.type === 'ack' && f.status === 'persisted';
}

function isFrame(v: unknown): v is Frame {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { type?: unknown }).type === 'string';
}

export interface UpgradeRefusal {
  status: number;
  body: string;
  /** True if the server opened a socket instead of refusing. */
  opened: boolean;
}

/**
 * Attempts an upgrade that should be refused and reports the HTTP status. `headers` replaces the
 * default headers entirely, so a test can send no Authorization at all.
 */
export async function attemptUpgrade(url: string, headers: Record<string, string>, timeoutMs = DEFAULT_WAIT_MS): Promise<UpgradeRefusal> {
  const ws = new WebSocket(url, { headers, handshakeTimeout: timeoutMs });
  return new Promise<UpgradeRefusal>((resolve, reject) => {
    ws.once('open', () => {
      ws.terminate();
      resolve({ status: 101, body: '', opened: true });
    });
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= 64 * 1024) chunks.push(c);
      });
      res.on('end', () => {
        ws.terminate();
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), opened: false });
      });
      res.on('error', reject);
    });
    ws.on('error', reject);
  });
}

