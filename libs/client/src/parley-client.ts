import {
  AckFrame,
  AckPersistedFrame,
  CallClientFrame,
  CallServerFrame,
  ErrorFrame,
  ClientFrame,
  CloseCode,
  ConversationEventFrame,
  HelloFrame,
  Limits,
  MessageDto,
  PongFrame,
  PresenceFrame,
  ReadEventFrame,
  ServerFrame,
  SyncDoneFrame,
  TypingEventFrame,
  TypingState,
  charLength,
  parseServerFrame,
  shouldReconnect,
} from '@parley/protocol';
import { BackoffOptions, backoffDelay } from './backoff';
import { ConversationStream } from './conversation-stream';
import { ParleyClientError } from './errors';
import { TypedEmitter } from './typed-emitter';
import { WebSocketConstructor, WebSocketLike, WS_OPEN } from './websocket-like';

/** `connecting` includes waiting to reconnect; `closed` is final until the next connect(). */
export type ConnectionState = 'connecting' | 'open' | 'closed';

/**
 * Why a token is asked for: the first connect, a reconnect after a drop, after the server
 * closed with 4401 (`expired`: refresh it), or after an upgrade that was refused or never
 * opened (`upgrade-failed`: possibly a 401 at the upgrade, which browsers cannot tell apart
 * from a network failure).
 */
export interface TokenRequest {
  reason: 'connect' | 'reconnect' | 'expired' | 'upgrade-failed';
}

export interface ParleyClientOptions {
  /** The gateway's WebSocket URL, e.g. `ws://127.0.0.1:8080/v1/ws`. */
  wsUrl: string;
  getToken: (request: TokenRequest) => Promise<string> | string;
  /** Defaults to `globalThis.WebSocket`; in Node 20 pass the `ws` package's WebSocket. */
  WebSocketImpl?: WebSocketConstructor;
  reconnect?: BackoffOptions & { enabled?: boolean };
  /** A send not persisted within this time rejects with TIMEOUT (default 30 s). */
  sendTimeoutMs?: number;
  /** A sync page or ping not answered within this time rejects with TIMEOUT (default 30 s). */
  requestTimeoutMs?: number;
  /** Bound of sends awaiting their persisted ack (default 1000); beyond it `send` rejects. */
  maxPendingSends?: number;
  /**
   * A send on the wire without its persisted ack after this time is sent again on the same socket,
   * with the same client_msg_id (the server stores it once and answers with the original's ack);
   * the wait doubles with each resend, up to 8 times this value. Default 5000 ms; 0 resends only on
   * reconnect. It repairs an ack lost on the server's side while the socket stayed open, and a send
   * answered with an UNAVAILABLE error frame waits for its resend instead of failing (with 0 it fails).
   */
  resendAfterMs?: number;
  /** Bound of out-of-order messages held per conversation (default 1000). */
  maxBufferedPerConversation?: number;
  /** Page size of syncs (1..500, default 100). */
  syncPageSize?: number;
}

export interface PersistedAck {
  conversation_id: string;
  client_msg_id: string;
  seq: number;
  message_id: string;
  created_at: string;
}

export interface GapEvent {
  conversation_id: string;
  /** Last seq delivered before the gap. */
  after_seq: number;
  /** The seq that revealed the gap. */
  seen_seq: number;
}

export interface SyncedEvent {
  conversation_id: string;
  last_seq: number;
}

export interface ParleyClientEvents {
  hello: HelloFrame;
  /** Each new message once, per conversation in dense increasing seq. */
  message: MessageDto;
  ack: AckFrame;
  typing: TypingEventFrame;
  read: ReadEventFrame;
  presence: PresenceFrame;
  conversation: ConversationEventFrame;
  pong: PongFrame;
  error: ParleyClientError;
  state: ConnectionState;
  gap: GapEvent;
  synced: SyncedEvent;
  /** Call signaling frames (`call.*`); see ParleyCalls in calls.ts. */
  call: CallServerFrame;
  /** An error frame about a call (it names `call_id`, or the `conversation_id` of a refused invite). */
  callError: ErrorFrame;
}

interface PendingSend {
  conversationId: string;
  clientMsgId: string;
  /** What goes on the wire (again after a reconnect): a send, or an edit, delete or react frame. */
  frame: ClientFrame;
  /** queued: waiting for a usable socket; sent: on the wire; received: the server holds it durably. */
  status: 'queued' | 'sent' | 'received';
  resolve: (ack: PersistedAck) => void;
  reject: (error: ParleyClientError) => void;
  timer: ReturnType<typeof setTimeout>;
  /** Next resend on the same socket (resendAfterMs), while the send is on the wire unacknowledged. */
  resendTimer?: ReturnType<typeof setTimeout>;
  /** Resends on the current socket so far (the wait doubles with each). */
  resends: number;
}

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: ParleyClientError) => void;
  timer: ReturnType<typeof setTimeout>;
}

const MAX_PENDING_PINGS = 16;
/** Conversations synced at once while resuming after a reconnect. */
const RESUME_CONCURRENCY = 8;

function unref(timer: ReturnType<typeof setTimeout>): void {
  const t = timer as { unref?: () => void };
  if (typeof t.unref === 'function') t.unref();
}

function abandonedSocketError(): void {
  // Intentionally empty: see detachSocket().
}

function newClientMsgId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  throw new ParleyClientError('VALIDATION_FAILED', 'crypto.randomUUID is unavailable: pass clientMsgId');
}

/**
 * The real-time client. It keeps one socket, reconnects with backoff, resumes every tracked
 * conversation by syncing from its last seq, and re-sends unpersisted sends with their original
 * client_msg_id, so a send is stored once whatever drops. Messages reach the app deduplicated
 * and, per conversation, in dense increasing seq.
 */
export class ParleyClient extends TypedEmitter<ParleyClientEvents> {
  private readonly WebSocketImpl: WebSocketConstructor;
  private readonly streams = new Map<string, ConversationStream>();
  private readonly pending = new Map<string, PendingSend>();
  private readonly syncWaiters = new Map<string, Waiter<SyncDoneFrame>>();
  /** Tail of each conversation's chain of syncs: one sync per conversation at a time. */
  private readonly syncChains = new Map<string, Promise<unknown>>();
  private readonly filling = new Set<string>();
  private readonly pings = new Map<string, Waiter<PongFrame>>();
  private ws: WebSocketLike | null = null;
  private hello: HelloFrame | null = null;
  private current: ConnectionState = 'closed';
  /** True between the first connect() and close(): drops are then repaired by reconnecting. */
  private wanted = false;
  /** True once a socket of this client has been open: later drops reconnect on their own. */
  private everOpened = false;
  private resuming = false;
  private attempt = 0;
  /** Bumped by close(): an attempt that started before it must not open a socket after it. */
  private generation = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private lastFrameAt = 0;
  private pingCounter = 0;
  private connecting: { promise: Promise<HelloFrame>; resolve: (h: HelloFrame) => void; reject: (e: ParleyClientError) => void } | null = null;

  constructor(private readonly options: ParleyClientOptions) {
    super();
    const impl = options.WebSocketImpl ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!impl) throw new Error('ParleyClient needs a WebSocket implementation: pass WebSocketImpl (e.g. the ws package) in Node');
    this.WebSocketImpl = impl;
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** The server's hello of the open socket, or null. */
  get session(): HelloFrame | null {
    return this.hello;
  }

  /**
   * Opens the socket; resolves on the server's hello. If this first attempt fails it rejects
   * (CONNECT_FAILED) and does not retry; once a socket has been open, drops reconnect by themselves.
   */
  connect(): Promise<HelloFrame> {
    if (this.hello && this.current === 'open') return Promise.resolve(this.hello);
    if (this.connecting) return this.connecting.promise;
    this.wanted = true;
    let resolve!: (h: HelloFrame) => void;
    let reject!: (e: ParleyClientError) => void;
    const promise = new Promise<HelloFrame>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.connecting = { promise, resolve, reject };
    // While `connecting`, an attempt or a scheduled retry is already under way and will settle this.
    if (this.current !== 'connecting') void this.openSocket({ reason: this.everOpened ? 'reconnect' : 'connect' });
    return promise;
  }

  /** Closes for good: no reconnect; pending sends, syncs and pings reject with CLOSED. */
  close(): void {
    this.generation++;
    this.wanted = false;
    this.everOpened = false;
    this.clearReconnectTimer();
    const ws = this.ws;
    this.detachSocket();
    if (ws) ws.close(CloseCode.NORMAL, 'client closed');
    const error = new ParleyClientError('CLOSED', 'client closed');
    this.failConnecting(error);
    this.failWaiters(error);
    for (const p of [...this.pending.values()]) this.settleSend(p, error);
    this.setState('closed');
  }

  /** Seeds (or moves forward) the last seq the app already has, e.g. from REST history. */
  trackConversation(conversationId: string, lastSeq: number): void {
    const stream = this.streams.get(conversationId);
    if (!stream) {
      this.streams.set(conversationId, this.newStream(conversationId, lastSeq));
      return;
    }
    for (const m of stream.skipTo(lastSeq)) this.emit('message', m);
  }

  untrackConversation(conversationId: string): void {
    this.streams.delete(conversationId);
  }

  /** Last seq delivered to the app for that conversation, or undefined if not tracked. */
  lastSeqOf(conversationId: string): number | undefined {
    return this.streams.get(conversationId)?.lastSeq;
  }

  trackedConversations(): string[] {
    return [...this.streams.keys()];
  }

  /**
   * Sends a message; resolves with its persisted ack. The send survives reconnects (re-sent with
   * the same client_msg_id) until persisted, rejected by the server, timed out or closed.
   */
  send(conversationId: string, text: string, options: { clientMsgId?: string; replyTo?: number; attachments?: string[] } = {}): Promise<PersistedAck> {
    const n = charLength(text);
    if (n < 1 || n > Limits.TEXT_MAX_CHARS) {
      return Promise.reject(new ParleyClientError('VALIDATION_FAILED', `text must be 1 to ${Limits.TEXT_MAX_CHARS} characters`));
    }
    const reply = options.replyTo === undefined ? {} : { reply_to: options.replyTo };
    const body = options.attachments && options.attachments.length > 0 ? { text, attachments: options.attachments.map((a) => ({ id: a })) } : { text };
    return this.enqueue(conversationId, options.clientMsgId, (id) => ({ type: 'send', conversation_id: conversationId, client_msg_id: id, body, ...reply }));
  }

  /**
   * Issue 13 (docs/api/v1.md, message lifecycle): edit your message `seq`, delete a message, add or
   * remove a reaction. Each resolves with the persisted ack of its entry (its own seq) and survives
   * reconnects like a send; a refusal rejects with the server's code (FORBIDDEN, NOT_FOUND, CONFLICT).
   */
  edit(conversationId: string, seq: number, text: string, options: { clientMsgId?: string } = {}): Promise<PersistedAck> {
    const n = charLength(text);
    if (n < 1 || n > Limits.TEXT_MAX_CHARS) return Promise.reject(new ParleyClientError('VALIDATION_FAILED', `text must be 1 to ${Limits.TEXT_MAX_CHARS} characters`));
    return this.enqueue(conversationId, options.clientMsgId, (id) => ({ type: 'edit', conversation_id: conversationId, seq, client_msg_id: id, body: { text } }));
  }

  deleteMessage(conversationId: string, seq: number, options: { clientMsgId?: string } = {}): Promise<PersistedAck> {
    return this.enqueue(conversationId, options.clientMsgId, (id) => ({ type: 'delete', conversation_id: conversationId, seq, client_msg_id: id }));
  }

  react(conversationId: string, seq: number, emoji: string, action: 'add' | 'remove' = 'add', options: { clientMsgId?: string } = {}): Promise<PersistedAck> {
    return this.enqueue(conversationId, options.clientMsgId, (id) => ({ type: 'react', conversation_id: conversationId, seq, client_msg_id: id, emoji, action }));
  }

  private enqueue(conversationId: string, requestedId: string | undefined, frameOf: (clientMsgId: string) => ClientFrame): Promise<PersistedAck> {
    if (!conversationId || conversationId.length > Limits.ID_MAX) {
      return Promise.reject(new ParleyClientError('VALIDATION_FAILED', 'conversation id is invalid'));
    }
    let clientMsgId: string;
    try {
      clientMsgId = requestedId ?? newClientMsgId();
    } catch (e) {
      return Promise.reject(e);
    }
    if (clientMsgId.length < 1 || clientMsgId.length > Limits.CLIENT_MSG_ID_MAX) {
      return Promise.reject(new ParleyClientError('VALIDATION_FAILED', `client_msg_id must be 1 to ${Limits.CLIENT_MSG_ID_MAX} characters`, clientMsgId));
    }
    if (!this.wanted) return Promise.reject(new ParleyClientError('CLOSED', 'client is not connected; call connect() first', clientMsgId));
    if (this.pending.has(clientMsgId)) {
      return Promise.reject(new ParleyClientError('VALIDATION_FAILED', 'a send with this client_msg_id is already pending', clientMsgId));
    }
    const max = this.options.maxPendingSends ?? 1000;
    if (this.pending.size >= max) {
      return Promise.reject(new ParleyClientError('QUEUE_FULL', `${max} sends are already pending`, clientMsgId));
    }
    return new Promise<PersistedAck>((resolve, reject) => {
      const timeoutMs = this.options.sendTimeoutMs ?? 30_000;
      const p: PendingSend = {
        conversationId,
        clientMsgId,
        frame: frameOf(clientMsgId),
        status: 'queued',
        resolve,
        reject,
        resends: 0,
        timer: setTimeout(() => this.settleSend(p, new ParleyClientError('TIMEOUT', `send not persisted within ${timeoutMs} ms`, clientMsgId)), timeoutMs),
      };
      unref(p.timer);
      this.pending.set(clientMsgId, p);
      if (this.canSendMessages()) this.transmit(p);
    });
  }

  /**
   * Fetches what the conversation has after the last seq delivered (page after page while the
   * server has more) and resolves when it has no known gap. Messages go out through the
   * `message` event, deduplicated. An untracked conversation becomes tracked from `afterSeq`.
   */
  sync(conversationId: string, afterSeq: number, limit?: number): Promise<SyncedEvent> {
    if (!this.streams.has(conversationId)) this.streams.set(conversationId, this.newStream(conversationId, afterSeq));
    const previous = this.syncChains.get(conversationId) ?? Promise.resolve();
    const run = previous.then(
      () => this.syncLoop(conversationId, afterSeq, limit),
      () => this.syncLoop(conversationId, afterSeq, limit),
    );
    this.syncChains.set(conversationId, run);
    const cleanup = () => {
      if (this.syncChains.get(conversationId) === run) this.syncChains.delete(conversationId);
    };
    run.then(cleanup, cleanup);
    return run;
  }

  /** Best-effort; false when there is no open socket. */
  typing(conversationId: string, state: TypingState): boolean {
    return this.sendFrame({ type: 'typing', conversation_id: conversationId, state });
  }

  /** Best-effort; false when there is no open socket. */
  read(conversationId: string, seq: number): boolean {
    return this.sendFrame({ type: 'read', conversation_id: conversationId, seq });
  }

  /** A call signaling frame (calls.ts wraps these); false when there is no open socket. */
  callFrame(frame: CallClientFrame): boolean {
    return this.sendFrame(frame);
  }

  /** Resolves with the matching pong. */
  ping(): Promise<PongFrame> {
    if (this.pings.size >= MAX_PENDING_PINGS) return Promise.reject(new ParleyClientError('QUEUE_FULL', 'too many pings pending'));
    const nonce = `p${++this.pingCounter}`;
    return new Promise<PongFrame>((resolve, reject) => {
      const timer = this.requestTimer(() => {
        this.pings.delete(nonce);
        reject(new ParleyClientError('TIMEOUT', 'no pong'));
      });
      this.pings.set(nonce, { resolve, reject, timer });
      if (!this.sendFrame({ type: 'ping', nonce })) {
        clearTimeout(timer);
        this.pings.delete(nonce);
        reject(new ParleyClientError('DISCONNECTED', 'not connected'));
      }
    });
  }

  // --- connection ---

  private async openSocket(request: TokenRequest): Promise<void> {
    this.setState('connecting');
    const generation = this.generation;
    let token: string;
    try {
      token = await this.options.getToken(request);
    } catch (e) {
      const error = new ParleyClientError('TOKEN_UNAVAILABLE', `could not get a token: ${e instanceof Error ? e.message : String(e)}`);
      if (generation === this.generation) this.onAttemptFailed(error, { reason: request.reason === 'connect' ? 'connect' : 'reconnect' });
      return;
    }
    if (generation !== this.generation || !this.wanted) return;
    const url = `${this.options.wsUrl}${this.options.wsUrl.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(token)}`;
    let ws: WebSocketLike;
    try {
      ws = new this.WebSocketImpl(url);
    } catch (e) {
      const error = new ParleyClientError('CONNECT_FAILED', `could not open the socket: ${e instanceof Error ? e.message : String(e)}`);
      this.onAttemptFailed(error, { reason: 'reconnect' });
      return;
    }
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
    };
    ws.onmessage = (event) => {
      if (this.ws === ws) this.onFrame(ws, event.data);
    };
    ws.onerror = () => {
      // Browsers give no detail on error events; the close event that follows carries the code.
    };
    ws.onclose = (event) => {
      if (this.ws === ws) this.onSocketClosed(event.code, event.reason, opened);
    };
  }

  private onHello(ws: WebSocketLike, hello: HelloFrame): void {
    this.hello = hello;
    this.attempt = 0;
    this.everOpened = true;
    this.startHeartbeat(ws, hello.heartbeat_ms);
    this.resuming = true;
    this.setState('open');
    this.emit('hello', hello);
    const connecting = this.connecting;
    this.connecting = null;
    connecting?.resolve(hello);
    void this.resume(ws);
  }

  /** After (re)connecting: sync every tracked conversation, then send what is unpersisted, in order. */
  private async resume(ws: WebSocketLike): Promise<void> {
    const ids = [...this.streams.keys()];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ids.length && this.ws === ws) {
        const id = ids[next++];
        const stream = this.streams.get(id);
        if (!stream) continue;
        try {
          await this.sync(id, stream.lastSeq);
        } catch (e) {
          this.reportUnlessDisconnect(e);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(RESUME_CONCURRENCY, ids.length) }, worker));
    if (this.ws !== ws) return;
    this.resuming = false;
    for (const p of this.pending.values()) {
      if (p.status === 'queued') this.transmit(p);
    }
  }

  private onSocketClosed(code: number, reason: string, opened: boolean): void {
    const wasHello = this.hello !== null;
    this.detachSocket();
    const closeError = new ParleyClientError('DISCONNECTED', `socket closed (${code}${reason ? `: ${reason}` : ''})`, undefined, code);
    this.failWaiters(closeError);
    for (const p of this.pending.values()) {
      p.status = 'queued';
      p.resends = 0;
    }
    if (!this.wanted) {
      this.setState('closed');
      return;
    }
    const advice = shouldReconnect(code);
    if (advice === 'stop') {
      this.wanted = false;
      this.setState('closed');
      const error = new ParleyClientError('CLOSED', `closed by the server with ${code}${reason ? `: ${reason}` : ''}`, undefined, code);
      this.failConnecting(error);
      for (const p of [...this.pending.values()]) this.settleSend(p, error);
      this.emit('error', error);
      return;
    }
    const next: TokenRequest = { reason: advice === 'refresh-token' ? 'expired' : opened || wasHello ? 'reconnect' : 'upgrade-failed' };
    this.onAttemptFailed(closeError, next, wasHello);
  }

  /** A socket failed or dropped: retry with backoff, or give up (first connect, reconnect disabled). */
  private onAttemptFailed(error: ParleyClientError, next: TokenRequest, hadSession = false): void {
    if (!this.wanted) {
      this.setState('closed');
      return;
    }
    if (!this.everOpened && this.connecting) {
      // The very first connect reports its failure to the caller instead of retrying on its own.
      this.wanted = false;
      this.setState('closed');
      this.failConnecting(new ParleyClientError('CONNECT_FAILED', error.message, undefined, error.closeCode));
      for (const p of [...this.pending.values()]) this.settleSend(p, error);
      return;
    }
    if (!hadSession) this.emit('error', error);
    if (this.options.reconnect?.enabled === false) {
      this.wanted = false;
      this.setState('closed');
      this.failConnecting(error);
      for (const p of [...this.pending.values()]) this.settleSend(p, error);
      return;
    }
    this.setState('connecting');
    const delay = backoffDelay(this.attempt++, this.options.reconnect);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.wanted) void this.openSocket(next);
    }, delay);
  }

  private detachSocket(): void {
    const ws = this.ws;
    if (ws) {
      ws.onopen = null;
      ws.onmessage = null;
      ws.onclose = null;
      // Keep an error listener: the `ws` package throws an 'error' event nobody listens to (e.g. one
      // from closing a socket that is still connecting). An abandoned socket's errors change nothing.
      ws.onerror = abandonedSocketError;
    }
    this.ws = null;
    this.hello = null;
    this.resuming = false;
    this.stopHeartbeat();
  }

  private startHeartbeat(ws: WebSocketLike, heartbeatMs: number): void {
    this.stopHeartbeat();
    this.lastFrameAt = Date.now();
    if (!(heartbeatMs > 0)) return;
    // Ping every interval; a connection silent for three intervals is dead: close it and reconnect.
    this.heartbeatTimer = setInterval(() => {
      if (Date.now() - this.lastFrameAt > 3 * heartbeatMs) {
        ws.close(4000, 'heartbeat timeout');
        if (this.ws === ws) this.onSocketClosed(CloseCode.ABNORMAL, 'heartbeat timeout', true);
        return;
      }
      this.sendFrame({ type: 'ping' });
    }, heartbeatMs);
    unref(this.heartbeatTimer);
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private clearReconnectTimer(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  // --- frames in ---

  private onFrame(ws: WebSocketLike, data: unknown): void {
    this.lastFrameAt = Date.now();
    const text = typeof data === 'string' ? data : String(data);
    const parsed = parseServerFrame(text);
    if (!parsed.ok) {
      this.emit('error', new ParleyClientError('PROTOCOL_ERROR', parsed.message));
      return;
    }
    const frame: ServerFrame = parsed.value;
    if (!this.hello) {
      if (frame.type === 'hello') this.onHello(ws, frame);
      return;
    }
    switch (frame.type) {
      case 'hello':
        return;
      case 'message': {
        const { type: _type, ...message } = frame;
        return this.onMessage(message);
      }
      case 'ack':
        return this.onAck(frame);
      case 'sync.done':
        return this.onSyncDone(frame);
      case 'typing':
        return this.emit('typing', frame);
      case 'read':
        return this.emit('read', frame);
      case 'presence':
        return this.emit('presence', frame);
      case 'conversation':
        return this.onConversationEvent(frame);
      case 'pong':
        return this.onPong(frame);
      case 'error':
        if (frame.call_id !== undefined || (frame.conversation_id !== undefined && frame.client_msg_id === undefined)) return this.emit('callError', frame);
        return this.onErrorFrame(frame.code, frame.message, frame.client_msg_id, frame.retry_after);
      default:
        return this.emit('call', frame);
    }
  }

  private onMessage(message: MessageDto): void {
    const id = message.conversation_id;
    let stream = this.streams.get(id);
    if (!stream) {
      // First sight of an untracked conversation: this message is the baseline.
      stream = this.newStream(id, message.seq - 1);
      this.streams.set(id, stream);
    }
    const before = stream.lastSeq;
    const hadGap = stream.hasGap;
    for (const m of stream.accept(message)) this.emit('message', m);
    if (!hadGap && stream.hasGap) this.emit('gap', { conversation_id: id, after_seq: before, seen_seq: message.seq });
    if (stream.hasGap) this.fillGap(id);
  }

  private fillGap(conversationId: string): void {
    if (this.filling.has(conversationId) || !this.hello) return;
    const stream = this.streams.get(conversationId);
    if (!stream) return;
    this.filling.add(conversationId);
    this.sync(conversationId, stream.lastSeq).then(
      () => this.filling.delete(conversationId),
      (e: unknown) => {
        this.filling.delete(conversationId);
        this.reportUnlessDisconnect(e);
      },
    );
  }

  private onAck(frame: AckFrame): void {
    this.emit('ack', frame);
    const p = this.pending.get(frame.client_msg_id);
    if (!p || p.conversationId !== frame.conversation_id) return;
    if (frame.status === 'received') {
      p.status = 'received';
      return;
    }
    this.settleSend(p, frame);
  }

  private onSyncDone(frame: SyncDoneFrame): void {
    const waiter = this.syncWaiters.get(frame.conversation_id);
    if (!waiter) return;
    this.syncWaiters.delete(frame.conversation_id);
    clearTimeout(waiter.timer);
    waiter.resolve(frame);
  }

  private onConversationEvent(frame: ConversationEventFrame): void {
    if (frame.event === 'added' && !this.streams.has(frame.conversation.id)) {
      this.streams.set(frame.conversation.id, this.newStream(frame.conversation.id, frame.conversation.last_seq));
    }
    if (frame.event === 'removed') this.streams.delete(frame.conversation.id);
    this.emit('conversation', frame);
  }

  private onPong(frame: PongFrame): void {
    this.emit('pong', frame);
    if (typeof frame.nonce !== 'string') return;
    const waiter = this.pings.get(frame.nonce);
    if (!waiter) return;
    this.pings.delete(frame.nonce);
    clearTimeout(waiter.timer);
    waiter.resolve(frame);
  }

  private onErrorFrame(code: string, message: string, clientMsgId: string | undefined, retryAfter?: number): void {
    const error = new ParleyClientError(code, message, clientMsgId, undefined, retryAfter);
    const p = clientMsgId === undefined ? undefined : this.pending.get(clientMsgId);
    if (p && code === 'UNAVAILABLE' && p.resendTimer !== undefined) {
      // The server could not take the send now (e.g. its log's partition leader is failing over):
      // it stays pending and goes again with its scheduled resend, same client_msg_id.
      this.emit('error', error);
      return;
    }
    if (p) {
      this.settleSend(p, error);
      return;
    }
    this.emit('error', error);
  }

  // --- frames out ---

  private async syncLoop(conversationId: string, afterSeq: number, limit?: number): Promise<SyncedEvent> {
    const pageSize = limit ?? this.options.syncPageSize ?? Limits.SYNC_DEFAULT_LIMIT;
    // Sync from what was delivered: earlier seqs would be dropped as duplicates, later ones leave a hole.
    let after = this.streams.get(conversationId)?.lastSeq ?? afterSeq;
    for (;;) {
      const done = await this.syncPage(conversationId, after, pageSize);
      const stream = this.streams.get(conversationId);
      if (!stream) return { conversation_id: conversationId, last_seq: done.last_seq };
      if (!done.has_more) stream.noteExisting(done.last_seq);
      const complete = !done.has_more && !stream.hasGap;
      const progressed = stream.lastSeq > after;
      if (complete || !progressed) {
        const event = { conversation_id: conversationId, last_seq: stream.lastSeq };
        if (complete) this.emit('synced', event);
        else this.emit('error', new ParleyClientError('PROTOCOL_ERROR', `sync of ${conversationId} made no progress after seq ${after}`));
        return event;
      }
      after = stream.lastSeq;
    }
  }

  private syncPage(conversationId: string, afterSeq: number, limit: number): Promise<SyncDoneFrame> {
    return new Promise<SyncDoneFrame>((resolve, reject) => {
      const timer = this.requestTimer(() => {
        if (this.syncWaiters.get(conversationId)?.timer === timer) this.syncWaiters.delete(conversationId);
        reject(new ParleyClientError('TIMEOUT', `no sync.done for ${conversationId}`));
      });
      this.syncWaiters.set(conversationId, { resolve, reject, timer });
      if (!this.sendFrame({ type: 'sync', conversation_id: conversationId, after_seq: afterSeq, limit })) {
        clearTimeout(timer);
        this.syncWaiters.delete(conversationId);
        reject(new ParleyClientError('DISCONNECTED', 'not connected'));
      }
    });
  }

  private transmit(p: PendingSend): void {
    const sent = this.sendFrame(p.frame);
    if (!sent) return;
    p.status = 'sent';
    this.scheduleResend(p);
  }

  /**
   * Sends `p` again on the same socket if its persisted ack has not come within resendAfterMs
   * (doubling). A drop cancels nothing here: the timer finds the send queued and leaves it to the
   * resume, which transmits it again.
   */
  private scheduleResend(p: PendingSend): void {
    const base = this.options.resendAfterMs ?? 5000;
    if (p.resendTimer) clearTimeout(p.resendTimer);
    p.resendTimer = undefined;
    if (base <= 0) return;
    const wait = base * 2 ** Math.min(p.resends, 3);
    p.resendTimer = setTimeout(() => {
      p.resendTimer = undefined;
      if (this.pending.get(p.clientMsgId) !== p || p.status === 'queued' || !this.canSendMessages()) return;
      p.resends++;
      this.transmit(p);
    }, wait);
    unref(p.resendTimer);
  }

  private sendFrame(frame: ClientFrame): boolean {
    const ws = this.ws;
    if (!ws || !this.hello || ws.readyState !== WS_OPEN) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  // --- helpers ---

  private canSendMessages(): boolean {
    return this.hello !== null && !this.resuming;
  }

  private settleSend(p: PendingSend, outcome: AckPersistedFrame | ParleyClientError): void {
    if (this.pending.get(p.clientMsgId) !== p) return;
    this.pending.delete(p.clientMsgId);
    clearTimeout(p.timer);
    if (p.resendTimer) clearTimeout(p.resendTimer);
    if (outcome instanceof ParleyClientError) {
      p.reject(outcome);
      return;
    }
    p.resolve({
      conversation_id: outcome.conversation_id,
      client_msg_id: outcome.client_msg_id,
      seq: outcome.seq,
      message_id: outcome.message_id,
      created_at: outcome.created_at,
    });
  }

  private failWaiters(error: ParleyClientError): void {
    for (const w of this.syncWaiters.values()) {
      clearTimeout(w.timer);
      w.reject(error);
    }
    this.syncWaiters.clear();
    for (const w of this.pings.values()) {
      clearTimeout(w.timer);
      w.reject(error);
    }
    this.pings.clear();
  }

  private failConnecting(error: ParleyClientError): void {
    const connecting = this.connecting;
    this.connecting = null;
    connecting?.reject(error);
  }

  /** Disconnects are repaired by the reconnect's resume; anything else reaches the app. */
  private reportUnlessDisconnect(e: unknown): void {
    if (e instanceof ParleyClientError && (e.code === 'DISCONNECTED' || e.code === 'CLOSED')) return;
    this.emit('error', e instanceof ParleyClientError ? e : new ParleyClientError('PROTOCOL_ERROR', e instanceof Error ? e.message : String(e)));
  }

  private requestTimer(onTimeout: () => void): ReturnType<typeof setTimeout> {
    const timer = setTimeout(onTimeout, this.options.requestTimeoutMs ?? 30_000);
    unref(timer);
    return timer;
  }

  private newStream(conversationId: string, lastSeq: number): ConversationStream {
    return new ConversationStream(conversationId, Math.max(0, lastSeq), this.options.maxBufferedPerConversation ?? 1000);
  }

  private setState(state: ConnectionState): void {
    if (this.current === state) return;
    this.current = state;
    this.emit('state', state);
  }
}
