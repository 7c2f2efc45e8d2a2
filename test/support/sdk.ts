/**
 * Runs the client SDK (`@parley/client`) over instrumented `ws` sockets: every socket the SDK opens
 * is kept so a test can drop it, and every frame is reported to the history checker per connection,
 * on top of what the SDK itself delivers to the app.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { ParleyClient, type ParleyClientOptions, type WebSocketLike } from '@parley/client';
import type { Frame, WireMessage } from './contract';
import type { HistoryChecker } from './history-checker';

type Handler<E> = ((event: E) => void) | null;

export interface InstrumentedSockets {
  /** Pass as ParleyClientOptions.WebSocketImpl. */
  Impl: new (url: string) => WebSocketLike;
  /** Every socket opened so far, oldest first. */
  opened: InstrumentedSocket[];
  /** The most recent one. */
  latest(): InstrumentedSocket;
  /** Frames that could not be read (not JSON); a test asserts this stays empty. */
  problems: string[];
}

export interface InstrumentedSocket extends WebSocketLike {
  readonly connectionId: string;
  readonly raw: WebSocket;
}

/** Sockets whose frames are reported to `checker` under `clientId` (connection by connection). */
export function instrumentedSockets(checker: HistoryChecker | undefined, clientId: string): InstrumentedSockets {
  const opened: InstrumentedSocket[] = [];
  const problems: string[] = [];
  class Socket implements InstrumentedSocket {
    readonly connectionId = `sdk-${randomUUID().slice(0, 8)}`;
    readonly raw: WebSocket;
    onopen: Handler<unknown> = null;
    onmessage: Handler<{ data: unknown }> = null;
    onclose: Handler<{ code: number; reason: string }> = null;
    onerror: Handler<unknown> = null;

    constructor(url: string) {
      this.raw = new WebSocket(url);
      opened.push(this);
      this.raw.on('open', () => this.onopen?.({}));
      this.raw.on('message', (data, isBinary) => {
        const text = isBinary ? '' : data.toString();
        if (checker !== undefined) reportFrame(checker, clientId, this.connectionId, text, problems);
        this.onmessage?.({ data: text });
      });
      this.raw.on('close', (code, reason) => this.onclose?.({ code, reason: reason.toString() }));
      this.raw.on('error', (err) => this.onerror?.(err));
    }

    get readyState(): number {
      return this.raw.readyState;
    }

    send(data: string): void {
      if (checker !== undefined) {
        const frame = parseFrame(data, `${clientId} sent`, problems);
        if (frame?.type === 'sync' && typeof frame.conversation_id === 'string' && typeof frame.after_seq === 'number') {
          checker.recordSync(clientId, this.connectionId, frame.conversation_id, frame.after_seq);
        }
      }
      this.raw.send(data);
    }

    close(code?: number, reason?: string): void {
      this.raw.close(code, reason);
    }
  }
  return {
    Impl: Socket,
    opened,
    problems,
    latest: () => {
      const last = opened[opened.length - 1];
      if (last === undefined) throw new Error(`${clientId}: the SDK has opened no socket`);
      return last;
    },
  };
}

export interface SdkClient {
  client: ParleyClient;
  sockets: InstrumentedSockets;
  /** Messages the SDK delivered to the app, in order. */
  delivered: WireMessage[];
}

/**
 * A ParleyClient whose app-level `message` events are recorded as one logical connection
 * (`<clientId>:app`): the SDK promises each message once, in dense increasing seq, across reconnects.
 */
export function sdkClient(
  wsUrl: string,
  getToken: ParleyClientOptions['getToken'],
  opts: { checker?: HistoryChecker; clientId: string; userId: string; options?: Partial<ParleyClientOptions> },
): SdkClient {
  const sockets = instrumentedSockets(opts.checker, opts.clientId);
  const client = new ParleyClient({
    wsUrl,
    getToken,
    WebSocketImpl: sockets.Impl,
    reconnect: { initialMs: 50, maxMs: 500 },
    ...opts.options,
  });
  const delivered: WireMessage[] = [];
  client.on('message', (m) => {
    delivered.push(m);
    opts.checker?.recordDelivery(`${opts.clientId}:app`, 'app', m);
  });
  client.on('ack', (ack) => {
    if (ack.status === 'persisted' && opts.checker !== undefined) {
      opts.checker.recordAck({
        conversationId: ack.conversation_id,
        senderId: opts.userId,
        clientMsgId: ack.client_msg_id,
        seq: ack.seq,
        messageId: ack.message_id,
        via: 'ws',
      });
    }
  });
  return { client, sockets, delivered };
}

function parseFrame(text: string, where: string, problems: string[]): Frame | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    problems.push(`${where} a frame that is not JSON (${String(err)}): ${text.slice(0, 200)}`);
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push(`${where} a frame that is not an object: ${text.slice(0, 200)}`);
    return null;
  }
  return parsed as Frame;
}

function reportFrame(checker: HistoryChecker, clientId: string, connectionId: string, text: string, problems: string[]): void {
  const frame = parseFrame(text, `the server sent ${clientId}`, problems);
  if (frame?.type === 'message') checker.recordDelivery(clientId, connectionId, frame as unknown as WireMessage);
}
