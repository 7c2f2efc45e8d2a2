import { DomainError, validationFailed } from '@parley/domain';
import type { Delivery, GatewayDelivery } from '@parley/ports';
import type { WireEmpty } from './common.mapping';
import { RpcChannel, type RpcClientOptions } from './grpc-channel';
import { deliveryToWire, type WireDeliverRequest } from './gateway.mapping';

export interface GatewayDeliveryClientOptions extends RpcClientOptions {
  /** Most gateway channels kept open; opening one more closes the least recently used (default 256). */
  maxChannels?: number;
  /** A channel unused for this long is closed (default 5 min). */
  idleChannelMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** `host:port`, host a DNS name, an IPv4 address or a bracketed IPv6 address. */
const GATEWAY_ADDRESS = /^(?:\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9][A-Za-z0-9.-]{0,252}):(\d{1,5})$/;

const ignore = (): void => undefined;

/**
 * Fanout's GatewayDelivery in the mesh: a gateway's id is its delivery address (`host:port`).
 * Keeps one channel per gateway, bounded in number and closed when idle. A failed delivery
 * rejects (UNAVAILABLE when the gateway is unreachable); the caller may drop the copy.
 */
export class GrpcGatewayDeliveryClient implements GatewayDelivery {
  private readonly channels = new Map<string, { channel: RpcChannel; lastUsedAt: number }>();
  private readonly maxChannels: number;
  private readonly idleChannelMs: number;
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: GatewayDeliveryClientOptions = {}) {
    this.maxChannels = options.maxChannels ?? 256;
    this.idleChannelMs = options.idleChannelMs ?? 300_000;
    this.now = options.now ?? Date.now;
    if (!Number.isSafeInteger(this.maxChannels) || this.maxChannels < 1) throw new RangeError('maxChannels must be a positive integer');
    if (!Number.isFinite(this.idleChannelMs) || this.idleChannelMs <= 0) throw new RangeError('idleChannelMs must be a positive number');
    this.sweeper = setInterval(() => this.closeIdleChannels(), Math.max(1_000, this.idleChannelMs / 2));
    this.sweeper.unref();
  }

  deliver(gatewayId: string, deliveries: Delivery[]): Promise<void> {
    if (this.closed) return Promise.reject(new DomainError('UNAVAILABLE', 'GatewayDelivery client closed'));
    let channel: RpcChannel;
    try {
      channel = this.channelFor(gatewayId);
    } catch (error) {
      return Promise.reject(error);
    }
    return channel.call<WireDeliverRequest, WireEmpty, void>('Deliver', { gateway_id: gatewayId, events: deliveries.map(deliveryToWire) }, ignore);
  }

  /** Gateways with an open channel, least recently used first. */
  openChannels(): string[] {
    return [...this.channels.keys()];
  }

  /** Closes the channels unused for `idleChannelMs`; runs periodically on its own. Returns how many. */
  closeIdleChannels(): number {
    const cutoff = this.now() - this.idleChannelMs;
    let closed = 0;
    for (const [address, entry] of this.channels) {
      if (entry.lastUsedAt > cutoff) continue;
      entry.channel.close();
      this.channels.delete(address);
      closed += 1;
    }
    return closed;
  }

  /** Idempotent. Later deliveries fail with UNAVAILABLE. */
  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const entry of this.channels.values()) entry.channel.close();
    this.channels.clear();
  }

  private channelFor(gatewayId: string): RpcChannel {
    const existing = this.channels.get(gatewayId);
    if (existing) {
      // Re-insert: Map order is the LRU order.
      this.channels.delete(gatewayId);
      existing.lastUsedAt = this.now();
      this.channels.set(gatewayId, existing);
      return existing.channel;
    }
    const match = GATEWAY_ADDRESS.exec(gatewayId);
    const port = match ? Number(match[1]) : 0;
    if (port < 1 || port > 65_535) throw validationFailed('gateway id is not a host:port delivery address');
    for (const [address, entry] of this.channels) {
      if (this.channels.size < this.maxChannels) break;
      entry.channel.close();
      this.channels.delete(address);
    }
    const channel = new RpcChannel('GatewayDelivery', gatewayId, this.options);
    this.channels.set(gatewayId, { channel, lastUsedAt: this.now() });
    return channel;
  }
}
