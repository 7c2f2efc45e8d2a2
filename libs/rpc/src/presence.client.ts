import type { PresenceApi, PresenceView } from '@parley/ports';
import type { WireEmpty } from './common.mapping';
import { RpcChannel, type RpcClientOptions } from './grpc-channel';
import { presenceViewFromWire, type WireConnectionRequest, type WireGatewayHeartbeatRequest, type WireGetPresenceRequest, type WirePresenceView } from './presence.mapping';

const ignore = (): void => undefined;

/** PresenceApi of a remote presence service (`address` = host:port). */
export class GrpcPresenceClient implements PresenceApi {
  private readonly channel: RpcChannel;

  constructor(address: string, options: RpcClientOptions = {}) {
    this.channel = new RpcChannel('Presence', address, options);
  }

  connected(userId: string, connectionId: string, gatewayId: string): Promise<void> {
    return this.channel.call<WireConnectionRequest, WireEmpty, void>('Connected', { user_id: userId, connection_id: connectionId, gateway_id: gatewayId }, ignore);
  }

  disconnected(userId: string, connectionId: string, gatewayId: string): Promise<void> {
    return this.channel.call<WireConnectionRequest, WireEmpty, void>('Disconnected', { user_id: userId, connection_id: connectionId, gateway_id: gatewayId }, ignore);
  }

  gatewayHeartbeat(gatewayId: string): Promise<void> {
    return this.channel.call<WireGatewayHeartbeatRequest, WireEmpty, void>('GatewayHeartbeat', { gateway_id: gatewayId }, ignore);
  }

  get(userId: string): Promise<PresenceView> {
    return this.channel.call<WireGetPresenceRequest, WirePresenceView, PresenceView>('Get', { user_id: userId }, presenceViewFromWire);
  }

  close(): void {
    this.channel.close();
  }
}
