import type { Server } from '@grpc/grpc-js';
import type { GatewayDelivery } from '@parley/ports';
import { EMPTY, type WireEmpty } from './common.mapping';
import { unaryHandlers, type ServeOptions } from './grpc-server';
import { parleyServices } from './protos';
import { deliveriesFromWire, type WireDeliverRequest } from './gateway.mapping';

/**
 * Serves parley.v1.GatewayDelivery on a gateway: `impl.deliver` gets the gateway id the caller
 * addressed and the batch's events (minus any of a type this build does not know).
 */
export function serveGatewayDelivery(server: Server, impl: GatewayDelivery, options: ServeOptions = {}): void {
  const unary = unaryHandlers('GatewayDelivery', options);
  server.addService(parleyServices(options.protoDir).GatewayDelivery, {
    Deliver: unary('Deliver', async (req: WireDeliverRequest): Promise<WireEmpty> => {
      await impl.deliver(req.gateway_id, deliveriesFromWire(req));
      return EMPTY;
    }),
  });
}
