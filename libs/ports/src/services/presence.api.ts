export interface PresenceView {
  user_id: string;
  status: 'online' | 'offline';
  last_seen_at: string | null;
}

/** The presence service as gateways see it. */
export interface PresenceApi {
  connected(userId: string, connectionId: string, gatewayId: string): Promise<void>;
  disconnected(userId: string, connectionId: string, gatewayId: string): Promise<void>;
  /** One call per gateway per heartbeat interval keeps all its connections and routes alive. */
  gatewayHeartbeat(gatewayId: string): Promise<void>;
  get(userId: string): Promise<PresenceView>;
}

export const PRESENCE_API = Symbol('PresenceApi');
