import Redis from 'ioredis';
import { describePresenceStoreContract, sleep, uniqueName } from '../../../ports/src/contract';
import { closedPort, hostPort, requireServer } from '../testing/integration-env';
import { fakeClock, redisTestRun } from '../testing/redis-test-run';
import { recordingLogger } from '../testing/recording-logger';
import { TcpProxy } from '../testing/tcp-proxy';
import { RedisPresenceStore } from './redis-presence.adapter';

const { url, runPrefix, openClient } = redisTestRun();

describePresenceStoreContract('redis', async () => {
  await requireServer('redis', url);
  const store = await RedisPresenceStore.open({ url, keyPrefix: `${runPrefix}contract:`, logger: recordingLogger() });
  return { store, now: () => Date.now(), advance: (ms) => sleep(ms), cleanup: () => store.close() };
});

describe('RedisPresenceStore on a real server', () => {
  let redis: Redis;

  beforeAll(async () => {
    redis = await openClient();
  });

  afterAll(() => {
    redis?.disconnect();
  });

  const storeWith = (clock: { now: () => number }, options: { sweepChunk?: number } = {}) =>
    new RedisPresenceStore(redis, { keyPrefix: `${runPrefix}${uniqueName('p')}:`, now: clock.now, ...options });

  it('reports "came online" once when connections of one user race, and "went offline" once when they all close', async () => {
    const store = storeWith(fakeClock());
    const ids = Array.from({ length: 20 }, (_, i) => `c${i}`);
    const online = await Promise.all(ids.map((c) => store.connect('u1', c, `gw-${Number(c.slice(1)) % 3}`, 60_000)));
    expect(online.filter(Boolean)).toHaveLength(1);
    const offline = await Promise.all(ids.map((c) => store.disconnect('u1', c)));
    expect(offline.filter(Boolean)).toHaveLength(1);
    expect(await store.isOnline('u1')).toBe(false);
  });

  it("refuses another user's connection id, and ignores a disconnect by the wrong user", async () => {
    const store = storeWith(fakeClock());
    await store.connect('u1', 'c1', 'gw', 1000);
    await expect(store.connect('u2', 'c1', 'gw', 1000)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await store.disconnect('u2', 'c1')).toBe(false);
    expect(await store.gatewaysForUser('u1')).toEqual(['gw']);
  });

  it("applies one turn's connects and disconnects as few commands, in the order asked, refusing a bad change alone", async () => {
    const store = storeWith(fakeClock());
    await store.connect('owner', 'taken', 'gw', 60_000);
    const scripts = jest.spyOn(redis, 'evalsha');
    const users = Array.from({ length: 1200 }, (_, i) => `b${i}`);
    const connects = users.map((u) => store.connect(u, `${u}/c`, 'gw', 60_000));
    const second = store.connect('b0', 'b0/c2', 'gw', 60_000);
    const thief = store.connect('b1', 'taken', 'gw', 60_000);
    const leaves = store.disconnect('b2', 'b2/c');
    expect(await Promise.all(connects)).toEqual(users.map(() => true));
    expect(await second).toBe(false);
    await expect(thief).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await leaves).toBe(true);
    // 1,203 changes: three scripts of at most 500.
    expect(scripts).toHaveBeenCalledTimes(3);
    scripts.mockRestore();
    expect(await store.gatewaysForUser('owner')).toEqual(['gw']);
    expect((await store.onlineAmong(['b0', 'b1', 'b2'])).size).toBe(2);
  });

  it('moves a reconnecting connection id to its new gateway without a new online transition', async () => {
    const store = storeWith(fakeClock());
    expect(await store.connect('u1', 'c1', 'gw-a', 1000)).toBe(true);
    expect(await store.connect('u1', 'c1', 'gw-b', 1000)).toBe(false);
    expect(await store.gatewaysForUser('u1')).toEqual(['gw-b']);
    expect(await store.disconnect('u1', 'c1')).toBe(true);
  });

  it('keeps thousands of connections alive with one heartbeat per gateway', async () => {
    const clock = fakeClock();
    const store = storeWith(clock);
    const users = Array.from({ length: 2500 }, (_, i) => `user-${i}`);
    const pipeline = users.map((u, i) => store.connect(u, `${u}/c`, i % 2 === 0 ? 'gw-even' : 'gw-odd', 1000));
    await Promise.all(pipeline);
    clock.advance(900);
    await store.heartbeatGateway('gw-even', 1000);
    clock.advance(200);
    const online = await store.onlineAmong([...users, 'nobody']);
    expect(online.size).toBe(1250);
    expect([...online].every((u) => Number(u.slice(5)) % 2 === 0)).toBe(true);
  });

  it('sweeps in bounded chunks and still reports every user that went offline, once', async () => {
    const clock = fakeClock();
    const store = storeWith(clock, { sweepChunk: 3 });
    for (let i = 0; i < 10; i++) await store.connect(`u${i}`, `u${i}/c1`, `gw-${i % 4}`, 1000);
    await store.connect('u0', 'u0/c2', 'gw-alive', 1000);
    await store.connect('stays', 'stays/c1', 'gw-alive', 1000);
    clock.advance(500);
    await store.heartbeatGateway('gw-alive', 1000);
    clock.advance(600);
    const offline = await store.sweepExpired(clock.now());
    expect(offline.sort()).toEqual(Array.from({ length: 9 }, (_, i) => `u${i + 1}`).sort());
    expect(await store.isOnline('u0')).toBe(true);
    expect(await store.sweepExpired(clock.now())).toEqual([]);
    clock.advance(1000);
    expect((await store.sweepExpired(clock.now())).sort()).toEqual(['stays', 'u0']);
  });

  it('rejects bad input before it reaches Redis', async () => {
    const store = storeWith(fakeClock());
    await expect(store.connect('', 'c', 'gw', 1000)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(store.connect('u', 'c', 'gw', 0)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(store.onlineAmong(['ok', 42 as unknown as string])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(store.sweepExpired(Number.NaN)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('RedisPresenceStore with the server down', () => {
  it('fails to open with UNAVAILABLE when nothing listens', async () => {
    const port = await closedPort();
    await expect(RedisPresenceStore.open({ url: `redis://127.0.0.1:${port}`, logger: recordingLogger() })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
  }, 10_000);

  it('answers UNAVAILABLE at once while the server is away, reports unhealthy, and recovers when it is back', async () => {
    await requireServer('redis', url);
    const proxy = await TcpProxy.start(hostPort(url));
    const logger = recordingLogger();
    const store = await RedisPresenceStore.open({ url: `redis://${proxy.address}`, keyPrefix: `${runPrefix}outage:`, logger });
    try {
      expect(await store.connect('u1', 'c1', 'gw', 60_000)).toBe(true);
      await proxy.down();
      await expect(store.isOnline('u1')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await expect(store.connect('u1', 'c2', 'gw', 60_000)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await expect(store.heartbeatGateway('gw', 60_000)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(await store.healthy()).toBe(false);
      await proxy.up();
      for (let i = 0; i < 100 && !(await store.healthy()); i++) await sleep(100);
      expect(await store.healthy()).toBe(true);
      expect(await store.isOnline('u1')).toBe(true);
    } finally {
      await store.close();
      await proxy.down();
    }
  }, 20_000);
});
