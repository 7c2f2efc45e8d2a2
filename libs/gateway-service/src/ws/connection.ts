import { randomUUID } from 'node:crypto';
import { WebSocket } from 'uWebSockets.js';
import type { TokenIdentity } from '../auth/reconnect-tokens';
import type { GatewayOptions } from '../gateway.options';

/** What the gateway keeps per socket (uWS user data). Small on purpose: it exists per connection. */
export interface ConnectionData {
  id: string;
  userId: string;
  sessionId: string;
  /** Access token expiry, epoch seconds: the socket is closed with 4401 after it. */
  exp: number;
  /** The token's digest and the key set it was verified under, remembered at close (ReconnectTokens). */
  tokenDigest?: string;
  keysGeneration?: number;
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
  afterHello?: Array<() => void>;
}

export type Socket = WebSocket<ConnectionData>;

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
  };
}

/** Local topic names: one per conversation, one per user, one per watched presence. */
export const conversationTopic = (conversationId: string) => `c:${conversationId}`;
export const userTopic = (userId: string) => `u:${userId}`;
export const presenceTopic = (userId: string) => `p:${userId}`;

/** One of the socket's sends got its answer (persisted ack or rejection) written back. */
export function ackAnswered(ws: Socket): void {
  const d = ws.getUserData();
  d.pendingAcks = Math.max(0, d.pendingAcks - 1);
}
