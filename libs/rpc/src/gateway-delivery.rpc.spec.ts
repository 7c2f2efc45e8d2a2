import type { Delivery, GatewayDelivery } from '@parley/ports';
import { GrpcGatewayDeliveryClient } from './gateway-delivery.client';
import { serveGatewayDelivery } from './gateway-delivery.server';
import { closedAddress, expectDomainError, rejectionOf, ServerPool } from './__tests__/rpc-harness';

const BIG = Number.MAX_SAFE_INTEGER;

/** One of each ConversationEvent variant, with their nullable fields both set and null. */
const everyVariant: Delivery[] = [
  {
    type: 'message.created',
    message: { id: 'm-1', conversation_id: 'c-1', seq: BIG, sender_id: 'u-1', client_msg_id: 'cm-1', body: { text: 'hi 👋' }, created_at: '2025-01-01T00:00:00.000Z' },
    origin: { gateway_id: '127.0.0.1:7001', ref: 'sock-9' },
    created: true,
  },
  {
    type: 'message.created',
    message: { id: 'm-2', conversation_id: 'c-1', seq: 1, sender_id: 'u-1', client_msg_id: 'cm-2', body: { text: '' }, created_at: '2025-01-01T00:00:00.000Z' },
    origin: null,
    created: false,
  },
  { type: 'send.rejected', conversation_id: 'c-1', client_msg_id: 'cm-3', code: 'FORBIDDEN', message: 'not a member', origin: { gateway_id: 'gw:1', ref: 'r' } },
  { type: 'member.added', conversation_id: 'c-1', user_ids: ['u-2', 'u-3'] },
  { type: 'member.added', conversation_id: 'c-1', user_ids: [] },
  { type: 'member.removed', conversation_id: 'c-1', user_id: 'u-2' },
  { type: 'read.updated', conversation_id: 'c-1', user_id: 'u-1', seq: BIG, member_count: 100_000 },
  { type: 'typing', conversation_id: 'c-1', user_id: 'u-1', state: 'stop', member_count: 2 },
  { type: 'presence.changed', user_id: 'u-1', status: 'offline', last_seen_at: '2025-01-01T00:00:00.000Z' },
  { type: 'presence.changed', user_id: 'u-2', status: 'online', last_seen_at: null },
  { type: 'session.revoked', user_id: 'u-1', session_id: 's-1' },
];

class RecordingGateway implements GatewayDelivery {
  received: Array<[string, Delivery[]]> = [];
  deliver(gatewayId: string, deliveries: Delivery[]): Promise<void> {
    this.received.push([gatewayId, deliveries]);
    return Promise.resolve();
  }
}

describe('GatewayDelivery over gRPC', () => {
  const servers = new ServerPool();
  const gateways = [new RecordingGateway(), new RecordingGateway(), new RecordingGateway()];
  let addresses: string[];
  const clients: GrpcGatewayDeliveryClient[] = [];
  const newClient = (options: ConstructorParameters<typeof GrpcGatewayDeliveryClient>[0] = {}) => {
    const client = new GrpcGatewayDeliveryClient(options);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    addresses = await Promise.all(gateways.map((gateway) => servers.start((server) => serveGatewayDelivery(server, gateway))));
  });
  afterEach(() => {
    for (const gateway of gateways) gateway.received = [];
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(() => servers.closeAll());

  it('delivers every event variant unchanged, in order, to the gateway its id names', async () => {
    const client = newClient();
    await client.deliver(addresses[1], everyVariant);
    await client.deliver(addresses[1], []);
    expect(gateways[1].received).toEqual([
      [addresses[1], everyVariant],
      [addresses[1], []],
    ]);
    expect(gateways[0].received).toEqual([]);
  });

  it('reuses one channel per gateway', async () => {
    const client = newClient();
    await client.deliver(addresses[0], [everyVariant[5]]);
    await client.deliver(addresses[0], [everyVariant[6]]);
    await client.deliver(addresses[2], [everyVariant[7]]);
    expect(client.openChannels()).toEqual([addresses[0], addresses[2]]);
    expect(gateways[0].received.map(([, d]) => d)).toEqual([[everyVariant[5]], [everyVariant[6]]]);
  });

  it('keeps at most maxChannels channels, closing the least recently used', async () => {
    const client = newClient({ maxChannels: 2 });
    await client.deliver(addresses[0], []);
    await client.deliver(addresses[1], []);
    await client.deliver(addresses[0], []);
    await client.deliver(addresses[2], []);
    expect(client.openChannels()).toEqual([addresses[0], addresses[2]]);
    await client.deliver(addresses[1], [everyVariant[10]]);
    expect(gateways[1].received).toEqual([
      [addresses[1], []],
      [addresses[1], [everyVariant[10]]],
    ]);
  });

  it('closes channels left idle and reopens them on the next delivery', async () => {
    let now = 1_000_000;
    const client = newClient({ idleChannelMs: 60_000, now: () => now });
    await client.deliver(addresses[0], []);
    now += 30_000;
    await client.deliver(addresses[1], []);
    now += 30_000;
    expect(client.closeIdleChannels()).toBe(1);
    expect(client.openChannels()).toEqual([addresses[1]]);
    await client.deliver(addresses[0], [everyVariant[0]]);
    expect(gateways[0].received.at(-1)).toEqual([addresses[0], [everyVariant[0]]]);
  });

  it('rejects a gateway id that is not a host:port address without opening a channel', async () => {
    const client = newClient();
    for (const id of ['gateway-1', '127.0.0.1:0', '127.0.0.1:70000', 'host:port', ':7001', 'a b:1']) {
      expectDomainError(await rejectionOf(client.deliver(id, [])), 'VALIDATION_FAILED');
    }
    expect(client.openChannels()).toEqual([]);
  });

  it('a gateway that is down yields UNAVAILABLE', async () => {
    const client = newClient();
    expectDomainError(await rejectionOf(client.deliver(await closedAddress(), everyVariant)), 'UNAVAILABLE');
  });

  it('after close, deliveries fail with UNAVAILABLE and no channel stays open', async () => {
    const client = newClient();
    await client.deliver(addresses[0], []);
    client.close();
    expect(client.openChannels()).toEqual([]);
    expectDomainError(await rejectionOf(client.deliver(addresses[0], [])), 'UNAVAILABLE');
  });
});
