import { Message } from '@parley/domain';
import { ConversationEvent, Delivery, GatewayDelivery, LogRecord, MemoryPresenceStore, MemoryRouteTable, Topics, presenceRouteKey, SESSIONS_ROUTE_KEY } from '@parley/ports';
import { ConversationEventsConsumer, FanoutStats } from './conversation-events.consumer';
import { GatewayBreaker } from './gateway-breaker';

const TTL = 30_000;

/** Gateways as fanout sees them: records each deliver call; a gateway in `down` throws. */
class Gateways implements GatewayDelivery {
  readonly calls: Array<{ gatewayId: string; deliveries: Delivery[] }> = [];
  readonly down = new Set<string>();

  async deliver(gatewayId: string, deliveries: Delivery[]): Promise<void> {
    if (this.down.has(gatewayId)) throw new Error(`${gatewayId} is down`);
    this.calls.push({ gatewayId, deliveries });
  }

  /** What each gateway received, by gateway id. */
  byGateway(): Record<string, Delivery[][]> {
    const out: Record<string, Delivery[][]> = {};
    for (const c of this.calls) (out[c.gatewayId] ??= []).push(c.deliveries);
    return out;
  }
}

class Stats implements FanoutStats {
  readonly delivered: Array<[number, number]> = [];
  readonly failed: string[] = [];
  readonly skipped: string[] = [];
  onDeliverySkipped(gatewayId: string): void {
    this.skipped.push(gatewayId);
  }
  onDelivered(gateways: number, events: number): void {
    this.delivered.push([gateways, events]);
  }
  onDeliveryFailed(gatewayId: string): void {
    this.failed.push(gatewayId);
  }
}

function setup() {
  const routes = new MemoryRouteTable();
  const presence = new MemoryPresenceStore();
  const gateways = new Gateways();
  const stats = new Stats();
  const consumer = new ConversationEventsConsumer(routes, presence, gateways, stats);
  return { routes, presence, gateways, stats, consumer };
}

let offset = 0;
const records = (...events: ConversationEvent[]): LogRecord<ConversationEvent>[] =>
  events.map((value) => ({ topic: Topics.events, partition: 0, offset: String(offset++), key: 'k', value, headers: {}, timestamp: 0 }));

const message = (conversationId: string, seq: number): Message => ({
  id: `${conversationId}-m${seq}`,
  conversation_id: conversationId,
  seq,
  sender_id: 'alice',
  client_msg_id: `c${seq}`,
  body: { text: 'hi' },
  created_at: '2025-01-01T00:00:00.000Z',
});

const created = (conversationId: string, seq: number, originGateway: string | null = null): ConversationEvent => ({
  type: 'message.created',
  message: message(conversationId, seq),
  origin: originGateway ? { gateway_id: originGateway, ref: `ref-${seq}` } : null,
  created: true,
});

describe('ConversationEventsConsumer', () => {
  it('sends each routed gateway one copy of the batch, in partition order', async () => {
    const { routes, gateways, stats, consumer } = setup();
    await routes.register('c1', 'gw-a', TTL);
    await routes.register('c1', 'gw-b', TTL);
    const batch = [created('c1', 1), created('c1', 2), created('c1', 3)];
    await consumer.handleBatch(records(...batch));

    expect(gateways.calls).toHaveLength(2);
    expect(gateways.byGateway()).toEqual({ 'gw-a': [batch], 'gw-b': [batch] });
    expect(stats.delivered).toEqual([[2, 3]]);
  });

  it('sends a gateway only the events of conversations routed to it', async () => {
    const { routes, gateways, consumer } = setup();
    await routes.register('c1', 'gw-a', TTL);
    await routes.register('c2', 'gw-a', TTL);
    await routes.register('c2', 'gw-b', TTL);
    const [m1, m2, m3] = [created('c1', 1), created('c2', 1), created('c1', 2)];
    await consumer.handleBatch(records(m1, m2, m3));
    expect(gateways.byGateway()).toEqual({ 'gw-a': [[m1, m2, m3]], 'gw-b': [[m2]] });
  });

  it("gives the sender's gateway its message.created even when no member's socket routes it there", async () => {
    const { routes, gateways, consumer } = setup();
    await routes.register('c1', 'gw-a', TTL);
    const event = created('c1', 1, 'gw-origin');
    await consumer.handleBatch(records(event));
    expect(gateways.byGateway()).toEqual({ 'gw-a': [[event]], 'gw-origin': [[event]] });
  });

  it('does not send the origin a second copy when it is also routed', async () => {
    const { routes, gateways, consumer } = setup();
    await routes.register('c1', 'gw-a', TTL);
    const event = created('c1', 1, 'gw-a');
    await consumer.handleBatch(records(event));
    expect(gateways.byGateway()).toEqual({ 'gw-a': [[event]] });
  });

  it('sends send.rejected to the origin gateway only', async () => {
    const { routes, gateways, consumer } = setup();
    await routes.register('c1', 'gw-a', TTL);
    await routes.register('c1', 'gw-b', TTL);
    const rejected: ConversationEvent = {
      type: 'send.rejected',
      conversation_id: 'c1',
      client_msg_id: 'k1',
      code: 'FORBIDDEN',
      message: 'not a member',
      origin: { gateway_id: 'gw-mallory', ref: 'conn-1' },
    };
    await consumer.handleBatch(records(rejected));
    expect(gateways.byGateway()).toEqual({ 'gw-mallory': [[rejected]] });
  });

  it('keeps delivering to the other gateways when one fails, and counts the failure', async () => {
    const { routes, gateways, stats, consumer } = setup();
    for (const g of ['gw-a', 'gw-b', 'gw-c']) await routes.register('c1', g, TTL);
    gateways.down.add('gw-b');
    const event = created('c1', 1);
    await consumer.handleBatch(records(event));
    expect(gateways.byGateway()).toEqual({ 'gw-a': [[event]], 'gw-c': [[event]] });
    expect(stats.failed).toEqual(['gw-b']);
    // The failed copy is not retried: the next batch goes on.
    gateways.down.clear();
    await consumer.handleBatch(records(created('c1', 2)));
    expect(gateways.byGateway()['gw-b']).toEqual([[created('c1', 2)]]);
  });

  it('sends nothing for a conversation no gateway watches', async () => {
    const { gateways, stats, consumer } = setup();
    await consumer.handleBatch(records(created('c1', 1)));
    expect(gateways.calls).toEqual([]);
    expect(stats.delivered).toEqual([[0, 1]]);
  });

  it('routes read and typing events like messages', async () => {
    const { routes, gateways, consumer } = setup();
    await routes.register('c1', 'gw-a', TTL);
    const read: ConversationEvent = { type: 'read.updated', conversation_id: 'c1', user_id: 'bob', seq: 3, member_count: 2 };
    const typing: ConversationEvent = { type: 'typing', conversation_id: 'c1', user_id: 'bob', state: 'start', member_count: 2 };
    await consumer.handleBatch(records(read, typing));
    expect(gateways.byGateway()).toEqual({ 'gw-a': [[read, typing]] });
  });

  it('drops a large group\'s read marker (services only): no per-reader frame reaches a gateway', async () => {
    const { routes, gateways, consumer } = setup();
    await routes.register('c1', 'gw-a', TTL);
    await consumer.handleBatch(records({ type: 'read.updated', conversation_id: 'c1', user_id: 'bob', seq: 3, member_count: 5000, services_only: true }));
    expect(gateways.calls).toEqual([]);
  });

  it("sends membership changes to the gateways holding that user's sockets (a removal also to the conversation's), and revoked sessions to every gateway", async () => {
    const { routes, presence, gateways, consumer } = setup();
    await routes.register('c1', 'gw-a', TTL);
    await presence.connect('carol', 'conn-1', 'gw-b', TTL);
    await presence.connect('carol', 'conn-2', 'gw-c', TTL);
    await presence.connect('dave', 'conn-3', 'gw-d', TTL);
    const added: ConversationEvent = { type: 'member.added', conversation_id: 'c1', user_ids: ['carol', 'dave', 'offline-erin'] };
    const removed: ConversationEvent = { type: 'member.removed', conversation_id: 'c1', user_id: 'dave' };
    const revoked: ConversationEvent = { type: 'session.revoked', user_id: 'carol', session_id: 's1' };
    await routes.register(SESSIONS_ROUTE_KEY, 'gw-e', TTL);
    await consumer.handleBatch(records(added, removed, revoked));
    expect(gateways.byGateway()).toEqual({
      'gw-a': [[removed]],
      'gw-b': [[added, revoked]],
      'gw-c': [[added, revoked]],
      'gw-d': [[added, removed]],
      'gw-e': [[revoked]],
    });
  });

  it('sends presence changes to the gateways watching that user', async () => {
    const { routes, gateways, consumer } = setup();
    await routes.register(presenceRouteKey('bob'), 'gw-a', TTL);
    await routes.register('c1', 'gw-b', TTL);
    const online: ConversationEvent = { type: 'presence.changed', user_id: 'bob', status: 'online', last_seen_at: null };
    await consumer.handleBatch(records(online));
    expect(gateways.byGateway()).toEqual({ 'gw-a': [[online]] });
  });

  it('skips gateways whose routes expired', async () => {
    let now = 1_000_000;
    const routes = new MemoryRouteTable({ now: () => now });
    const gateways = new Gateways();
    const consumer = new ConversationEventsConsumer(routes, new MemoryPresenceStore(), gateways, new Stats());
    await routes.register('c1', 'gw-dead', 1000);
    await routes.register('c1', 'gw-live', 5000);
    now += 2000;
    const event = created('c1', 1);
    await consumer.handleBatch(records(event));
    expect(gateways.byGateway()).toEqual({ 'gw-live': [[event]] });
  });

  it('stops calling a gateway that keeps failing, tries it again after a cool-down, and forgets on success', async () => {
    let now = 0;
    const routes = new MemoryRouteTable({ now: () => now });
    const gateways = new Gateways();
    const stats = new Stats();
    const consumer = new ConversationEventsConsumer(routes, new MemoryPresenceStore(), gateways, stats, new GatewayBreaker({ threshold: 2, minCooldownMs: 1000, maxCooldownMs: 4000, now: () => now }));
    await routes.register('c1', 'gw-dead', 60_000);
    await routes.register('c1', 'gw-live', 60_000);
    gateways.down.add('gw-dead');
    let seq = 0;
    const send = () => consumer.handleBatch(records(created('c1', ++seq)));

    await send();
    await send();
    expect(stats.failed).toEqual(['gw-dead', 'gw-dead']);
    await send(); // cooling down: not called
    expect(stats.failed).toHaveLength(2);
    expect(stats.skipped).toEqual(['gw-dead']);
    now += 1000;
    await send(); // one try after the cool-down fails: the cool-down doubles
    expect(stats.failed).toHaveLength(3);
    now += 1999;
    await send();
    expect(stats.failed).toHaveLength(3);
    now += 1;
    gateways.down.delete('gw-dead');
    await send(); // back: delivered, failures forgotten
    await send();
    expect(gateways.byGateway()['gw-dead'].map((d) => d.length)).toEqual([1, 1]);
    expect(gateways.byGateway()['gw-live']).toHaveLength(seq);
    expect(stats.skipped).toEqual(['gw-dead', 'gw-dead']);
  });

  it('still hands a cooling-down gateway the acks of its own senders (a restarted gateway answers their resends)', async () => {
    const routes = new MemoryRouteTable({ now: () => 0 });
    const gateways = new Gateways();
    const stats = new Stats();
    const consumer = new ConversationEventsConsumer(routes, new MemoryPresenceStore(), gateways, stats, new GatewayBreaker({ threshold: 1, minCooldownMs: 60_000, maxCooldownMs: 60_000, now: () => 0 }));
    await routes.register('c1', 'gw-1', 60_000);
    gateways.down.add('gw-1');
    await consumer.handleBatch(records(created('c1', 1)));
    expect(stats.failed).toEqual(['gw-1']);
    gateways.down.delete('gw-1');
    const other = created('c1', 2);
    const ack = created('c1', 3, 'gw-1');
    await consumer.handleBatch(records(other, ack));
    expect(gateways.byGateway()['gw-1']).toEqual([[ack]]);
    expect(stats.skipped).toEqual(['gw-1']);
  });
});
