import Redis from 'ioredis';
import { describeRouteTableContract, sleep, uniqueName } from '../../../ports/src/contract';
import { closedPort, hostPort, requireServer } from '../testing/integration-env';
import { fakeClock, redisTestRun } from '../testing/redis-test-run';
import { recordingLogger } from '../testing/recording-logger';
import { TcpProxy } from '../testing/tcp-proxy';
import { RedisRouteTable } from './redis-route-table.adapter';

const { url, runPrefix, openClient } = redisTestRun();

describeRouteTableContract('redis', async () => {
  await requireServer('redis', url);
  const table = await RedisRouteTable.open({ url, keyPrefix: `${runPrefix}contract:`, logger: recordingLogger() });
  return { table, advance: (ms) => sleep(ms), cleanup: () => table.close() };
});

describe('RedisRouteTable on a real server', () => {
  let redis: Redis;

  beforeAll(async () => {
    redis = await openClient();
  });

  afterAll(() => {
    redis?.disconnect();
  });

  const tableWith = (clock: { now: () => number }, options: { sweepChunk?: number } = {}) => {
    const keyPrefix = `${runPrefix}${uniqueName('r')}:`;
    return { keyPrefix, table: new RedisRouteTable(redis, { keyPrefix, now: clock.now, ...options }) };
  };

  it("keeps all of a gateway's routes alive with one refresh, and sweeps a silent gateway's routes in chunks", async () => {
    const clock = fakeClock();
    const { table, keyPrefix } = tableWith(clock, { sweepChunk: 7 });
    const conversations = Array.from({ length: 60 }, (_, i) => `conv-${i}`);
    await Promise.all(conversations.map((c) => table.register(c, 'gw-alive', 1000)));
    await Promise.all(conversations.slice(0, 25).map((c) => table.register(c, 'gw-dead', 1000)));
    clock.advance(800);
    await table.refreshGateway('gw-alive', 1000);
    clock.advance(400);

    expect(await table.sweepExpired(clock.now())).toBe(25);
    expect(await table.sweepExpired(clock.now())).toBe(0);
    for (const c of conversations.slice(0, 3)) expect(await table.gatewaysFor(c)).toEqual(['gw-alive']);
    // The dead gateway left nothing behind: no index, no refresh entry, no sweep schedule.
    expect(await redis.exists(`${keyPrefix}g:gw-dead`)).toBe(0);
    expect(await redis.zscore(`${keyPrefix}gws`, 'gw-dead')).toBeNull();
    expect(await redis.zscore(`${keyPrefix}sched`, 'gw-dead')).toBeNull();

    clock.advance(1000);
    expect(await table.sweepExpired(clock.now())).toBe(60);
    expect(await redis.keys(`${keyPrefix}*`)).toEqual([]);
  });

  it('forgets a gateway entirely once its last route is unregistered', async () => {
    const { table, keyPrefix } = tableWith(fakeClock());
    await table.register('c1', 'gw', 1000);
    await table.register('c2', 'gw', 1000);
    await table.unregister('c1', 'gw');
    await table.unregister('c2', 'gw');
    expect(await table.gatewaysFor('c2')).toEqual([]);
    expect(await redis.keys(`${keyPrefix}*`)).toEqual([]);
  });

  it('rejects bad input before it reaches Redis', async () => {
    const { table } = tableWith(fakeClock());
    await expect(table.register('c', 'gw', -1)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(table.register('x'.repeat(300), 'gw', 1000)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(table.gatewaysFor(undefined as unknown as string)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('RedisRouteTable with the server down', () => {
  it('fails to open with UNAVAILABLE when nothing listens', async () => {
    const port = await closedPort();
    await expect(RedisRouteTable.open({ url: `redis://127.0.0.1:${port}`, logger: recordingLogger() })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
  }, 10_000);

  it('answers UNAVAILABLE at once while the server is away and works again when it is back', async () => {
    await requireServer('redis', url);
    const proxy = await TcpProxy.start(hostPort(url));
    const table = await RedisRouteTable.open({ url: `redis://${proxy.address}`, keyPrefix: `${runPrefix}outage:`, logger: recordingLogger() });
    try {
      await table.register('c1', 'gw', 60_000);
      await proxy.down();
      await expect(table.gatewaysFor('c1')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await expect(table.refreshGateway('gw', 60_000)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(await table.healthy()).toBe(false);
      await proxy.up();
      for (let i = 0; i < 100 && !(await table.healthy()); i++) await sleep(100);
      expect(await table.gatewaysFor('c1')).toEqual(['gw']);
    } finally {
      await table.close();
      await proxy.down();
    }
  }, 20_000);
});
