import { CallBatcher, type CallBatcherOptions, type PresenceApi, type PresenceView } from '@parley/ports';
import type { WireEmpty } from './common.mapping';
import { RpcChannel, type RpcClientOptions } from './grpc-channel';
import {
  presenceViewFromWire,
  type WireConnectionChange,
  type WireConnectionChanges,
  type WireGatewayHeartbeatRequest,
  type WireGetPresenceRequest,
  type WirePresenceView,
} from './presence.mapping';

const ignore = (): void => undefined;

/**
 * PresenceApi of a remote presence service (`address` = host:port). Connects and disconnects are
 * batched (`batching`) into one ConnectionsChanged call; heartbeats and reads go at once.
 */
export class GrpcPresenceClient implements PresenceApi {
  private readonly channel: RpcChannel;
  private readonly changes: CallBatcher<WireConnectionChange, void>;

  constructor(address: string, options: RpcClientOptions & { batching?: CallBatcherOptions } = {}) {
    this.channel = new RpcChannel('Presence', address, options);
    this.changes = new CallBatcher(
      (changes) => this.channel.call<WireConnectionChanges, WireEmpty, void[]>('ConnectionsChanged', { changes }, () => changes.map(ignore)),
      options.batching,
    );
  }

  connected(userId: string, connectionId: string, gatewayId: string): Promise<void> {
    return this.changes.add({ user_id: userId, connection_id: connectionId, gateway_id: gatewayId, connected: true });
  }

  disconnected(userId: string, connectionId: string, gatewayId: string): Promise<void> {
    return this.changes.add({ user_id: userId, connection_id: connectionId, gateway_id: gatewayId, connected: false });
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
