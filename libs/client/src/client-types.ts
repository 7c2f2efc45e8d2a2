import { AckFrame, CallServerFrame, ConversationEventFrame, ErrorFrame, HelloFrame, MessageDto, PongFrame, PresenceFrame, ReadEventFrame, TypingEventFrame } from '@parley/protocol';
import { BackoffOptions } from './backoff';
import { ParleyClientError } from './errors';
import { WebSocketConstructor } from './websocket-like';

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
