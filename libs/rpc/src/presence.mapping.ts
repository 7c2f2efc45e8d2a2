import type { PresenceView } from '@parley/ports';
import { type Maybe, oneOf, orNull } from './wire-values';

/** Wire shapes of presence.proto and their mapping to PresenceApi types. */

export const PRESENCE_STATUSES: readonly PresenceView['status'][] = ['online', 'offline'];

export interface WireConnectionRequest {
  user_id: string;
  connection_id: string;
  gateway_id: string;
}
export interface WireConnectionChange extends WireConnectionRequest {
  connected: boolean;
}
export interface WireConnectionChanges {
  changes: WireConnectionChange[];
}
export interface WireGatewayHeartbeatRequest {
  gateway_id: string;
}
export interface WireGetPresenceRequest {
  user_id: string;
}
export interface WirePresenceView {
  user_id: string;
  status: string;
  last_seen_at?: Maybe<string>;
}

export const presenceViewFromWire = (wire: WirePresenceView): PresenceView => ({
  user_id: wire.user_id,
  status: oneOf(wire.status, PRESENCE_STATUSES, 'status'),
  last_seen_at: orNull(wire.last_seen_at),
});
