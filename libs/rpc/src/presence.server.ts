import type { Server } from '@grpc/grpc-js';
import type { PresenceApi } from '@parley/ports';
import { EMPTY, type WireEmpty } from './common.mapping';
import { unaryHandlers, type ServeOptions } from './grpc-server';
import { parleyServices } from './protos';
import type { WireConnectionChange, WireConnectionChanges, WireConnectionRequest, WireGatewayHeartbeatRequest, WireGetPresenceRequest, WirePresenceView } from './presence.mapping';

/** Serves the presence service (parley.v1.Presence) from its in-process implementation. */
export function servePresence(server: Server, impl: PresenceApi, options: ServeOptions = {}): void {
  const unary = unaryHandlers('Presence', options);
  server.addService(parleyServices(options.protoDir).Presence, {
    Connected: unary('Connected', async (req: WireConnectionRequest): Promise<WireEmpty> => {
      await impl.connected(req.user_id, req.connection_id, req.gateway_id);
      return EMPTY;
    }),
    Disconnected: unary('Disconnected', async (req: WireConnectionRequest): Promise<WireEmpty> => {
      await impl.disconnected(req.user_id, req.connection_id, req.gateway_id);
      return EMPTY;
    }),
    ConnectionsChanged: unary('ConnectionsChanged', async (req: WireConnectionChanges): Promise<WireEmpty> => {
      await applyInOrderPerUser(impl, req.changes);
      return EMPTY;
    }),
    GatewayHeartbeat: unary('GatewayHeartbeat', async (req: WireGatewayHeartbeatRequest): Promise<WireEmpty> => {
      await impl.gatewayHeartbeat(req.gateway_id);
      return EMPTY;
    }),
    Get: unary('Get', (req: WireGetPresenceRequest): Promise<WirePresenceView> => impl.get(req.user_id)),
  });
}

/**
 * One user's changes are applied one after another, in the order sent (a connect, then its
 * disconnect); different users' side by side. The first failure fails the call (the gateway retries
 * a failed connect; a failed disconnect expires with its TTL).
 */
async function applyInOrderPerUser(impl: PresenceApi, changes: WireConnectionChange[]): Promise<void> {
  const byUser = new Map<string, WireConnectionChange[]>();
  for (const c of changes) {
    const list = byUser.get(c.user_id);
    if (list) list.push(c);
    else byUser.set(c.user_id, [c]);
  }
  await Promise.all(
    [...byUser.values()].map(async (list) => {
      for (const c of list) {
        if (c.connected) await impl.connected(c.user_id, c.connection_id, c.gateway_id);
        else await impl.disconnected(c.user_id, c.connection_id, c.gateway_id);
      }
    }),
  );
}
