import type { Server } from '@grpc/grpc-js';
import type { PresenceApi } from '@parley/ports';
import { EMPTY, type WireEmpty } from './common.mapping';
import { unaryHandlers, type ServeOptions } from './grpc-server';
import { parleyServices } from './protos';
import type { WireConnectionRequest, WireGatewayHeartbeatRequest, WireGetPresenceRequest, WirePresenceView } from './presence.mapping';

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
    GatewayHeartbeat: unary('GatewayHeartbeat', async (req: WireGatewayHeartbeatRequest): Promise<WireEmpty> => {
      await impl.gatewayHeartbeat(req.gateway_id);
      return EMPTY;
    }),
    Get: unary('Get', (req: WireGetPresenceRequest): Promise<WirePresenceView> => impl.get(req.user_id)),
  });
}
