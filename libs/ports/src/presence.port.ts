/**
 * Ephemeral connection state (Redis in the mesh, memory in standalone).
 *
 * - A connection is registered with a TTL and kept alive by heartbeats; a gateway that dies stops
 *   heartbeating and its connections expire within `ttlMs`.
 * - A user is online while at least one of their connections is live.
 * - `gatewaysForUser` answers which gateways hold the user's sockets (for user-addressed events).
 */
export interface PresenceStore {
  /** Returns true when this made the user go from offline to online. */
  connect(userId: string, connectionId: string, gatewayId: string, ttlMs: number): Promise<boolean>;
  /** Returns true when this made the user go offline (their last connection closed). */
  disconnect(userId: string, connectionId: string): Promise<boolean>;
  /** Refreshes the TTL of all connections of a gateway in one call (no per-member writes). */
  heartbeatGateway(gatewayId: string, ttlMs: number): Promise<void>;
  isOnline(userId: string): Promise<boolean>;
  /** Which of these users are online (one round trip). */
  onlineAmong(userIds: readonly string[]): Promise<Set<string>>;
  gatewaysForUser(userId: string): Promise<string[]>;
  /** Expires connections whose TTL passed; returns the users that went offline. */
  sweepExpired(now: number): Promise<string[]>;
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

export const PRESENCE_STORE = Symbol('PresenceStore');

/**
 * Which gateways hold at least one socket of a member of a conversation. Gateways register on
 * their local 0 -> 1 transition and unregister on 1 -> 0; entries of a gateway that stops
 * refreshing expire. Fanout's cost per message is one lookup here plus one send per gateway.
 */
export interface RouteTable {
  register(conversationId: string, gatewayId: string, ttlMs: number): Promise<void>;
  unregister(conversationId: string, gatewayId: string): Promise<void>;
  /** Refreshes all routes of a gateway (one call per heartbeat, not per conversation). */
  refreshGateway(gatewayId: string, ttlMs: number): Promise<void>;
  gatewaysFor(conversationId: string): Promise<string[]>;
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

export const ROUTE_TABLE = Symbol('RouteTable');
