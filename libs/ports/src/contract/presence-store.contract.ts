/// <reference types="jest" />
import { PresenceStore } from '../presence.port';
import { uniqueName } from './support';

export interface PresenceStoreUnderTest {
  store: PresenceStore;
  /** The store's clock (epoch ms), as sweepExpired expects it. */
  now(): number;
  /** Lets `ms` pass for the store: a fake clock moves, a real server is waited for. */
  advance(ms: number): Promise<void>;
  cleanup(): Promise<void>;
}

/** TTL used by the suite; advances stay clear of it by a quarter either way. */
const TTL = 2000;

/**
 * What every PresenceStore adapter must do for its callers (see presence.port.ts). Users and
 * gateways are unique per test, so the suite can share a server with other data: sweeps are
 * checked for what they say about this test's users only.
 */
export function describePresenceStoreContract(name: string, makeAdapter: () => Promise<PresenceStoreUnderTest>): void {
  describe(`PresenceStore contract: ${name}`, () => {
    let adapter: PresenceStoreUnderTest;
    let store: PresenceStore;

    beforeEach(async () => {
      adapter = await makeAdapter();
      store = adapter.store;
    });

    afterEach(async () => {
      await adapter?.cleanup();
    });

    it('reports online on the first connection and offline when the last one closes', async () => {
      const user = uniqueName('user');
      const gw = uniqueName('gw');
      expect(await store.isOnline(user)).toBe(false);
      expect(await store.connect(user, `${user}/c1`, gw, TTL)).toBe(true);
      expect(await store.connect(user, `${user}/c2`, gw, TTL)).toBe(false);
      expect(await store.isOnline(user)).toBe(true);
      expect(await store.disconnect(user, `${user}/c1`)).toBe(false);
      expect(await store.isOnline(user)).toBe(true);
      expect(await store.disconnect(user, `${user}/c2`)).toBe(true);
      expect(await store.isOnline(user)).toBe(false);
      expect(await store.disconnect(user, `${user}/c2`)).toBe(false);
      expect(await store.connect(user, `${user}/c3`, gw, TTL)).toBe(true);
    });

    it('answers which of a set of users are online in one call', async () => {
      const [a, b, c] = [uniqueName('user'), uniqueName('user'), uniqueName('user')];
      const gw = uniqueName('gw');
      await store.connect(a, `${a}/c1`, gw, TTL);
      await store.connect(c, `${c}/c1`, gw, TTL);
      expect(await store.onlineAmong([a, b, c])).toEqual(new Set([a, c]));
      expect(await store.onlineAmong([])).toEqual(new Set());
    });

    it("lists the gateways holding a user's sockets", async () => {
      const user = uniqueName('user');
      const [gw1, gw2] = [uniqueName('gw-a'), uniqueName('gw-b')];
      await store.connect(user, `${user}/c1`, gw1, TTL);
      await store.connect(user, `${user}/c2`, gw2, TTL);
      await store.connect(user, `${user}/c3`, gw2, TTL);
      expect((await store.gatewaysForUser(user)).sort()).toEqual([gw1, gw2].sort());
      await store.disconnect(user, `${user}/c1`);
      expect(await store.gatewaysForUser(user)).toEqual([gw2]);
      await store.disconnect(user, `${user}/c2`);
      await store.disconnect(user, `${user}/c3`);
      expect(await store.gatewaysForUser(user)).toEqual([]);
    });

    it('expires connections whose gateway stopped heartbeating, and the sweep reports the user offline once', async () => {
      const user = uniqueName('user');
      const gw = uniqueName('gw');
      await store.connect(user, `${user}/c1`, gw, TTL);
      await adapter.advance(TTL * 1.25);
      expect(await store.isOnline(user)).toBe(false);
      expect(await store.gatewaysForUser(user)).toEqual([]);
      expect(await store.sweepExpired(adapter.now())).toContain(user);
      expect(await store.sweepExpired(adapter.now())).not.toContain(user);
      expect(await store.connect(user, `${user}/c2`, gw, TTL)).toBe(true);
    });

    it("keeps a heartbeating gateway's connections alive and lets the others expire", async () => {
      const user = uniqueName('user');
      const [alive, dead] = [uniqueName('gw-alive'), uniqueName('gw-dead')];
      await store.connect(user, `${user}/c1`, alive, TTL);
      await store.connect(user, `${user}/c2`, dead, TTL);
      await adapter.advance(TTL * 0.75);
      await store.heartbeatGateway(alive, TTL);
      await adapter.advance(TTL * 0.5);

      expect(await store.isOnline(user)).toBe(true);
      expect(await store.gatewaysForUser(user)).toEqual([alive]);
      expect(await store.sweepExpired(adapter.now())).not.toContain(user);
      expect(await store.onlineAmong([user])).toEqual(new Set([user]));

      await adapter.advance(TTL * 0.75);
      expect(await store.isOnline(user)).toBe(false);
      expect(await store.sweepExpired(adapter.now())).toContain(user);
    });

    it('is healthy while open', async () => {
      expect(await store.healthy()).toBe(true);
    });
  });
}
