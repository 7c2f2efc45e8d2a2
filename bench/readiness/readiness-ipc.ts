import { ConnectTarget } from '../loadgen/ws-client';

/** One client (one user, one connection at a time) a readiness worker holds. */
export interface ReadinessClientSpec {
  index: number;
  userId: string;
  target: ConnectTarget;
  slow: boolean;
  /** Conversation ids the user is a member of. */
  conversations: string[];
}

/** A conversation this worker sends into, from its sender's connection. */
export interface ReadinessSendSpec {
  conversationId: string;
  /** Index of the sending client (held by this worker). */
  sender: number;
  ratePerSecond: number;
}

/** How slow clients read, and how often they write a ping (which is how they notice a socket the server closed). */
export interface SlowReading {
  bytesPerSecond: number;
  pingMs: number;
}

export interface ReadinessStart {
  /** Each conversation's last_seq before the sends: a client must end with every seq above it. */
  bases: Record<string, number>;
  sends: ReadinessSendSpec[];
  textChars: number;
  /** Sends in flight (no persisted ack yet) per worker; a send due beyond it is held back (counted). */
  maxInFlight: number;
  /** Where the worker appends one JSON line per persisted ack (for the history checker). */
  ackFile: string;
}

export type ReadinessCommand =
  | { id: number; cmd: 'connect'; clients: ReadinessClientSpec[]; concurrency: number; readyTimeoutMs: number; slow: SlowReading }
  | { id: number; cmd: 'start'; start: ReadinessStart }
  | { id: number; cmd: 'stopSends'; drainMs: number }
  | { id: number; cmd: 'finish'; lasts: Record<string, number>; timeoutMs: number }
  | { id: number; cmd: 'close' };

export interface ReadinessConnectResult {
  opened: number;
  failed: number;
  errors: string[];
}

/** One persisted ack, as the worker writes it to its ack file. */
export interface AckLine {
  conversationId: string;
  senderId: string;
  clientMsgId: string;
  seq: number;
  messageId: string;
  text: string;
}

export interface ReadinessWorkerReport {
  sent: number;
  persisted: number;
  errors: number;
  heldBack: number;
  /** Sends with no persisted ack by the end of the drain. */
  unanswered: number;
  /** Send to persisted ack, ms (every send). */
  persistedAckMs: number[];
  /** Send to arrival at fast clients, ms (a bounded uniform sample). */
  fastDeliveryMs: number[];
  fastDeliveries: number;
  clients: number;
  slowClients: number;
  /** Connections lost (not closed by the load generator) by the close code the client saw (1006: none). */
  slowClosesByCode: Record<string, number>;
  fastClosesByCode: Record<string, number>;
  /** Slow clients that lost a connection, and of those: reconnected and synced, and ended with no gap. */
  slowClosedClients: number;
  slowResumed: number;
  slowResumedNoGap: number;
  reconnectFailures: number;
  /** Clients that ended with every seq of every conversation they are in, and those that did not. */
  completeClients: number;
  clientsWithGaps: number;
  gapExamples: string[];
  /** Fast clients: a conversation's seq arriving below one already seen on the same connection. */
  outOfOrder: number;
}

export type ReadinessReply =
  | { id: number; ok: true; result: ReadinessConnectResult | ReadinessWorkerReport | null }
  | { id: number; ok: false; error: string };
