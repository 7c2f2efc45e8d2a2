import { DomainError } from '@parley/domain';
import type { PresenceApi, PresenceView } from '@parley/ports';
import { GrpcPresenceClient } from './presence.client';
import { servePresence } from './presence.server';
import { expectDomainError, rejectionOf, ServerPool } from './__tests__/rpc-harness';

class FakePresence implements PresenceApi {
  calls: unknown[][] = [];
  failWith: Error | null = null;
  private answer<T>(value: T, ...call: unknown[]): Promise<T> {
    this.calls.push(call);
    return this.failWith ? Promise.reject(this.failWith) : Promise.resolve(value);
  }
  connected(userId: string, connectionId: string, gatewayId: string) {
    return this.answer(undefined, 'connected', userId, connectionId, gatewayId);
  }
  disconnected(userId: string, connectionId: string, gatewayId: string) {
    return this.answer(undefined, 'disconnected', userId, connectionId, gatewayId);
  }
  gatewayHeartbeat(gatewayId: string) {
    return this.answer(undefined, 'gatewayHeartbeat', gatewayId);
  }
  get(userId: string): Promise<PresenceView> {
    const view: PresenceView =
      userId === 'u-new' ? { user_id: userId, status: 'offline', last_seen_at: null } : { user_id: userId, status: 'online', last_seen_at: '2025-03-04T05:06:07.089Z' };
    return this.answer(view, 'get', userId);
  }
}

describe('Presence over gRPC', () => {
  const servers = new ServerPool();
  const impl = new FakePresence();
  let client: GrpcPresenceClient;

  beforeAll(async () => {
    client = new GrpcPresenceClient(await servers.start((server) => servePresence(server, impl)));
  });
  afterEach(() => {
    impl.calls = [];
    impl.failWith = null;
  });
  afterAll(async () => {
    client.close();
    await servers.closeAll();
  });

  it('connected, disconnected and gatewayHeartbeat pass their arguments through', async () => {
    await expect(client.connected('u-1', 'conn-1', '127.0.0.1:7001')).resolves.toBeUndefined();
    await expect(client.disconnected('u-1', 'conn-1', '127.0.0.1:7001')).resolves.toBeUndefined();
    await expect(client.gatewayHeartbeat('127.0.0.1:7001')).resolves.toBeUndefined();
    expect(impl.calls).toEqual([
      ['connected', 'u-1', 'conn-1', '127.0.0.1:7001'],
      ['disconnected', 'u-1', 'conn-1', '127.0.0.1:7001'],
      ['gatewayHeartbeat', '127.0.0.1:7001'],
    ]);
  });

  it('connects and disconnects issued together travel in one call and apply in order per user', async () => {
    const order: string[] = [];
    const slowFirst = impl.connected.bind(impl);
    impl.connected = async (userId, connectionId, gatewayId) => {
      // The first connect of u-1 is slow: its disconnect must still come after it.
      if (connectionId === 'c-1') await new Promise((r) => setTimeout(r, 30));
      order.push(`+${userId}/${connectionId}`);
      return slowFirst(userId, connectionId, gatewayId);
    };
    const disconnected = impl.disconnected.bind(impl);
    impl.disconnected = async (userId, connectionId, gatewayId) => {
      order.push(`-${userId}/${connectionId}`);
      return disconnected(userId, connectionId, gatewayId);
    };
    try {
      await Promise.all([client.connected('u-1', 'c-1', 'g'), client.connected('u-2', 'c-2', 'g'), client.disconnected('u-1', 'c-1', 'g')]);
    } finally {
      impl.connected = slowFirst;
      impl.disconnected = disconnected;
    }
    // u-2 did not wait for u-1's slow connect; u-1's disconnect came after its connect.
    expect(order).toEqual(['+u-2/c-2', '+u-1/c-1', '-u-1/c-1']);
  });

  it('a failing batch fails each of its calls with the domain error', async () => {
    impl.failWith = new DomainError('UNAVAILABLE', 'redis down');
    const results = await Promise.allSettled([client.connected('u-1', 'c-1', 'g'), client.connected('u-3', 'c-3', 'g')]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'UNAVAILABLE' });
    }
  });

  it('get answers the view, with null last_seen_at for a user never seen', async () => {
    expect(await client.get('u-1')).toEqual({ user_id: 'u-1', status: 'online', last_seen_at: '2025-03-04T05:06:07.089Z' });
    expect(await client.get('u-new')).toEqual({ user_id: 'u-new', status: 'offline', last_seen_at: null });
  });

  it.each(['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'PAYLOAD_TOO_LARGE', 'RATE_LIMITED', 'UNAVAILABLE'] as const)(
    'rethrows a %s DomainError with its code and message',
    async (code) => {
      impl.failWith = new DomainError(code, `${code.toLowerCase()}: details`);
      expectDomainError(await rejectionOf(client.get('u-1')), code, `${code.toLowerCase()}: details`);
    },
  );
});
