import { describePresenceStoreContract } from '../contract';
import { MemoryPresenceStore } from './memory-presence.adapter';

function fakeClock() {
  let now = 1_700_000_000_000;
  return { now: () => now, advance: async (ms: number) => void (now += ms) };
}

describePresenceStoreContract('memory', async () => {
  const clock = fakeClock();
  const store = new MemoryPresenceStore({ now: clock.now });
  return { store, now: clock.now, advance: clock.advance, cleanup: () => store.close() };
});

describe('MemoryPresenceStore', () => {
  it('reports a user whose connections all expired offline once, through disconnect if it comes before the sweep', async () => {
    const clock = fakeClock();
    const store = new MemoryPresenceStore({ now: clock.now });
    await store.connect('u1', 'c1', 'gw', 1000);
    await store.connect('u1', 'c2', 'gw', 1000);
    await clock.advance(1500);
    expect(await store.disconnect('u1', 'c1')).toBe(true);
    expect(await store.sweepExpired(clock.now())).toEqual([]);
  });

  it('moves a reconnecting connection id to its new gateway without a new online transition', async () => {
    const store = new MemoryPresenceStore();
    expect(await store.connect('u1', 'c1', 'gw-a', 1000)).toBe(true);
    expect(await store.connect('u1', 'c1', 'gw-b', 1000)).toBe(false);
    expect(await store.gatewaysForUser('u1')).toEqual(['gw-b']);
    expect(await store.disconnect('u1', 'c1')).toBe(true);
  });

  it('does not let one user close or take over another user\'s connection', async () => {
    const store = new MemoryPresenceStore();
    await store.connect('u1', 'c1', 'gw', 1000);
    expect(await store.disconnect('u2', 'c1')).toBe(false);
    await expect(store.connect('u2', 'c1', 'gw', 1000)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await store.isOnline('u1')).toBe(true);
  });

  it('is bounded: beyond maxConnections it sweeps, then answers UNAVAILABLE', async () => {
    const clock = fakeClock();
    const store = new MemoryPresenceStore({ now: clock.now, maxConnections: 2 });
    await store.connect('u1', 'c1', 'gw', 1000);
    await store.connect('u2', 'c2', 'gw', 5000);
    await expect(store.connect('u3', 'c3', 'gw', 1000)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await clock.advance(2000);
    expect(await store.connect('u3', 'c3', 'gw', 1000)).toBe(true);
    expect(await store.onlineAmong(['u1', 'u2', 'u3'])).toEqual(new Set(['u2', 'u3']));
  });

  it('rejects bad arguments with VALIDATION_FAILED', async () => {
    const store = new MemoryPresenceStore();
    await expect(store.connect('', 'c1', 'gw', 1000)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(store.connect('u1', 'c1', 'gw', 0)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(store.heartbeatGateway('gw', Number.POSITIVE_INFINITY)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(store.sweepExpired(Number.NaN)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('is unhealthy and refuses work once closed', async () => {
    const store = new MemoryPresenceStore();
    await store.close();
    expect(await store.healthy()).toBe(false);
    await expect(store.isOnline('u1')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
