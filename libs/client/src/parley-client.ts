import {
  CallClientFrame,
  ClientFrame,
  CloseCode,
  HelloFrame,
  Limits,
  PongFrame,
  ServerFrame,
  TypingState,
  charLength,
  parseServerFrame,
  shouldReconnect,
} from '@parley/protocol';
import { backoffDelay } from './backoff';
import { ConnectionState, ParleyClientEvents, ParleyClientOptions, PersistedAck, SyncedEvent, TokenRequest } from './client-types';
import { ParleyClientError } from './errors';
import { SendQueue } from './send-queue';
import { TrackedConversations } from './tracked-conversations';
import { TypedEmitter } from './typed-emitter';
import { Waiter, unref } from './waiter';
import { WebSocketConstructor, WebSocketLike, WS_OPEN } from './websocket-like';

const MAX_PENDING_PINGS = 16;
/** Conversations synced at once while resuming after a reconnect. */
const RESUME_CONCURRENCY = 8;

function abandonedSocketError(): void {
  // Intentionally empty: see detachSocket().
}

/**
 * The real-time client. It keeps one socket, reconnects with backoff, resumes every tracked
 * conversation by syncing from its last seq, and re-sends unpersisted sends with their original
 * client_msg_id, so a send is stored once whatever drops. Messages reach the app deduplicated
 * and, per conversation, in dense increasing seq.
 */
export class ParleyClient extends TypedEmitter<ParleyClientEvents> {
  private readonly WebSocketImpl: WebSocketConstructor;
  private readonly conversations: TrackedConversations;
  private readonly sends: SendQueue;
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
    this.conversations = new TrackedConversations(
      {
        sendFrame: (frame) => this.sendFrame(frame),
        connected: () => this.hello !== null,
        requestTimer: (onTimeout) => this.requestTimer(onTimeout),
        emit: (event, payload) => this.emit(event, payload),
        report: (e) => this.reportUnlessDisconnect(e),
      },
      options,
    );
    this.sends = new SendQueue(options, { sendFrame: (frame) => this.sendFrame(frame), canSend: () => this.hello !== null && !this.resuming });
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
    this.sends.failAll(error);
    this.setState('closed');
  }

  /** Seeds (or moves forward) the last seq the app already has, e.g. from REST history. */
  trackConversation(conversationId: string, lastSeq: number): void {
    this.conversations.track(conversationId, lastSeq);
  }

  untrackConversation(conversationId: string): void {
    this.conversations.untrack(conversationId);
  }

  /** Last seq delivered to the app for that conversation, or undefined if not tracked. */
  lastSeqOf(conversationId: string): number | undefined {
    return this.conversations.lastSeqOf(conversationId);
  }

  trackedConversations(): string[] {
    return this.conversations.ids();
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
    return this.sends.enqueue(conversationId, options.clientMsgId, (id) => ({ type: 'send', conversation_id: conversationId, client_msg_id: id, body, ...reply }), this.wanted);
  }

  /**
   * Issue 13 (docs/api/v1.md, message lifecycle): edit your message `seq`, delete a message, add or
   * remove a reaction. Each resolves with the persisted ack of its entry (its own seq) and survives
   * reconnects like a send; a refusal rejects with the server's code (FORBIDDEN, NOT_FOUND, CONFLICT).
   */
  edit(conversationId: string, seq: number, text: string, options: { clientMsgId?: string } = {}): Promise<PersistedAck> {
    const n = charLength(text);
    if (n < 1 || n > Limits.TEXT_MAX_CHARS) return Promise.reject(new ParleyClientError('VALIDATION_FAILED', `text must be 1 to ${Limits.TEXT_MAX_CHARS} characters`));
    return this.sends.enqueue(conversationId, options.clientMsgId, (id) => ({ type: 'edit', conversation_id: conversationId, seq, client_msg_id: id, body: { text } }), this.wanted);
  }

  deleteMessage(conversationId: string, seq: number, options: { clientMsgId?: string } = {}): Promise<PersistedAck> {
    return this.sends.enqueue(conversationId, options.clientMsgId, (id) => ({ type: 'delete', conversation_id: conversationId, seq, client_msg_id: id }), this.wanted);
  }

  react(conversationId: string, seq: number, emoji: string, action: 'add' | 'remove' = 'add', options: { clientMsgId?: string } = {}): Promise<PersistedAck> {
    return this.sends.enqueue(conversationId, options.clientMsgId, (id) => ({ type: 'react', conversation_id: conversationId, seq, client_msg_id: id, emoji, action }), this.wanted);
  }

  /**
   * Fetches what the conversation has after the last seq delivered (page after page while the
   * server has more) and resolves when it has no known gap. Messages go out through the
   * `message` event, deduplicated. An untracked conversation becomes tracked from `afterSeq`.
   */
  sync(conversationId: string, afterSeq: number, limit?: number): Promise<SyncedEvent> {
    return this.conversations.sync(conversationId, afterSeq, limit);
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
    const ids = this.conversations.ids();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ids.length && this.ws === ws) {
        const id = ids[next++];
        const lastSeq = this.conversations.lastSeqOf(id);
        if (lastSeq === undefined) continue;
        try {
          await this.conversations.sync(id, lastSeq);
        } catch (e) {
          this.reportUnlessDisconnect(e);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(RESUME_CONCURRENCY, ids.length) }, worker));
    if (this.ws !== ws) return;
    this.resuming = false;
    this.sends.transmitQueued();
  }

  private onSocketClosed(code: number, reason: string, opened: boolean): void {
    const wasHello = this.hello !== null;
    this.detachSocket();
    const closeError = new ParleyClientError('DISCONNECTED', `socket closed (${code}${reason ? `: ${reason}` : ''})`, undefined, code);
    this.failWaiters(closeError);
    this.sends.requeueAll();
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
      this.sends.failAll(error);
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
      this.sends.failAll(error);
      return;
    }
    if (!hadSession) this.emit('error', error);
    if (this.options.reconnect?.enabled === false) {
      this.wanted = false;
      this.setState('closed');
      this.failConnecting(error);
      this.sends.failAll(error);
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
        return this.conversations.onMessage(message);
      }
      case 'ack':
        this.emit('ack', frame);
        return this.sends.onAck(frame);
      case 'sync.done':
        return this.conversations.onSyncDone(frame);
      case 'typing':
        return this.emit('typing', frame);
      case 'read':
        return this.emit('read', frame);
      case 'presence':
        return this.emit('presence', frame);
      case 'conversation':
        this.conversations.onConversationEvent(frame);
        return this.emit('conversation', frame);
      case 'pong':
        return this.onPong(frame);
      case 'error':
        if (frame.call_id !== undefined || (frame.conversation_id !== undefined && frame.client_msg_id === undefined)) return this.emit('callError', frame);
        return this.onErrorFrame(frame.code, frame.message, frame.client_msg_id, frame.retry_after);
      default:
        return this.emit('call', frame);
    }
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
    if (!this.sends.onError(error)) this.emit('error', error);
  }

  // --- frames out ---

  private sendFrame(frame: ClientFrame): boolean {
    const ws = this.ws;
    if (!ws || !this.hello || ws.readyState !== WS_OPEN) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  // --- helpers ---

  private failWaiters(error: ParleyClientError): void {
    this.conversations.failPages(error);
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

  private setState(state: ConnectionState): void {
    if (this.current === state) return;
    this.current = state;
    this.emit('state', state);
  }
}
