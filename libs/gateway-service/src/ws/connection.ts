import { randomUUID } from 'node:crypto';
import { WebSocket } from 'uWebSockets.js';
import type { TokenIdentity } from '../auth/reconnect-tokens';
import type { GatewayOptions } from '../gateway.options';

/** What the gateway keeps per socket. Small on purpose: it exists per connection. */
export interface ConnectionData {
  id: string;
  userId: string;
  sessionId: string;
  /** Access token expiry, epoch seconds: the socket is closed with 4401 after it. */
  exp: number;
  /** The token's digest and the key set it was verified under, remembered at close (ReconnectTokens). */
  tokenDigest: string | undefined;
  keysGeneration: number;
  /** Route keys this socket is subscribed to (conversation ids and presence keys). */
  topics: Set<string>;
  invalidFrames: number;
  /** Token bucket for sends. */
  tokens: number;
  refilledAt: number;
  rateLimitedInARow: number;
  /** Token bucket for typing and read frames (signals), apart from sends. */
  signalTokens: number;
  signalRefilledAt: number;
  /** Sends published from this socket whose persisted ack (or rejection) has not been written back yet. */
  pendingAcks: number;
  open: boolean;
  /** Frames received before hello, handled once the session is confirmed; null after hello. */
  early: string[] | null;
  /** Membership changes that reached the socket before its hello, applied right after it. */
  afterHello: Array<() => void> | undefined;
}

/**
 * The user data handed to uWS: one property. uWS copies the upgrade's user data onto its WebSocket
 * object one keyed store at a time, and V8 turns an object that gains 16 or more properties that
 * way into a dictionary: 832 B a socket instead of ~140, and every field read a hash lookup (the
 * reconnect tokens' two fields took ConnectionData from 14 to 16). With one property the socket
 * object stays fast whatever ConnectionData holds, and ConnectionData is a plain literal whose
 * shape every socket shares. connection.spec.ts pins both the cliff and the fix.
 */
export interface SocketSlot {
  readonly conn: ConnectionData;
}

export type Socket = WebSocket<SocketSlot>;

/** A socket's data (uWS throws once the socket has closed: keep the data, not the socket, past that). */
export const connectionOf = (ws: Socket): ConnectionData => ws.getUserData().conn;

/** A new socket's data: its token's identity (and digest, for ReconnectTokens) and full rate buckets. */
export function newConnectionData(
  claims: TokenIdentity,
  tokenDigest: string | undefined,
  keysGeneration: number,
  options: Pick<GatewayOptions, 'sendRatePerSecond' | 'signalRatePerSecond'>,
): ConnectionData {
  return {
    id: randomUUID(),
    userId: claims.sub,
    sessionId: claims.sid,
    exp: claims.exp,
    tokenDigest,
    keysGeneration,
    topics: new Set(),
    invalidFrames: 0,
    tokens: options.sendRatePerSecond * 2,
    refilledAt: Date.now(),
    rateLimitedInARow: 0,
    signalTokens: options.signalRatePerSecond * 2,
    signalRefilledAt: Date.now(),
    pendingAcks: 0,
    open: false,
    early: [],
    afterHello: undefined,
  };
}

/** Local topic names: one per conversation, one per user, one per watched presence. */
export const conversationTopic = (conversationId: string) => `c:${conversationId}`;
export const userTopic = (userId: string) => `u:${userId}`;
export const presenceTopic = (userId: string) => `p:${userId}`;

/** One of the socket's sends got its answer (persisted ack or rejection) written back. */
export function ackAnswered(ws: Socket): void {
  const d = connectionOf(ws);
  d.pendingAcks = Math.max(0, d.pendingAcks - 1);
}
