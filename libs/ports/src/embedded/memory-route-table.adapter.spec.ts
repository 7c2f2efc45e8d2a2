import { describeRouteTableContract } from '../contract';
import { MemoryRouteTable } from './memory-route-table.adapter';

function fakeClock() {
  let now = 1_700_000_000_000;
  return { now: () => now, advance: async (ms: number) => void (now += ms) };
}

describeRouteTableContract('memory', async () => {
  const clock = fakeClock();
  const table = new MemoryRouteTable({ now: clock.now });
  return { table, advance: clock.advance, cleanup: () => table.close() };
});

describe('MemoryRouteTable', () => {
  it('sweeps expired routes and counts them', async () => {
    const clock = fakeClock();
    const table = new MemoryRouteTable({ now: clock.now });
    await table.register('c1', 'gw-a', 1000);
    await table.register('c2', 'gw-a', 1000);
    await table.register('c2', 'gw-b', 5000);
    await clock.advance(2000);
    expect(await table.sweepExpired(clock.now())).toBe(2);
    expect(await table.sweepExpired(clock.now())).toBe(0);
    expect(await table.gatewaysFor('c2')).toEqual(['gw-b']);
  });

  it('does not revive an unregistered route on refresh', async () => {
    const table = new MemoryRouteTable();
    await table.register('c1', 'gw-a', 1000);
    await table.unregister('c1', 'gw-a');
    await table.refreshGateway('gw-a', 1000);
    expect(await table.gatewaysFor('c1')).toEqual([]);
  });

  it('is bounded: beyond maxRoutes it sweeps, then answers UNAVAILABLE', async () => {
    const clock = fakeClock();
    const table = new MemoryRouteTable({ now: clock.now, maxRoutes: 2 });
    await table.register('c1', 'gw-a', 1000);
    await table.register('c2', 'gw-a', 5000);
    await table.register('c1', 'gw-a', 1000);
    await expect(table.register('c3', 'gw-a', 1000)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await clock.advance(2000);
    await table.register('c3', 'gw-a', 1000);
    expect(await table.gatewaysFor('c3')).toEqual(['gw-a']);
    expect(await table.gatewaysFor('c2')).toEqual(['gw-a']);
  });

  it('rejects bad arguments with VALIDATION_FAILED', async () => {
    const table = new MemoryRouteTable();
    await expect(table.register('', 'gw', 1000)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(table.register('c1', 'gw', -5)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(table.gatewaysFor(42 as unknown as string)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('is unhealthy and refuses work once closed', async () => {
    const table = new MemoryRouteTable();
    await table.close();
    expect(await table.healthy()).toBe(false);
    await expect(table.gatewaysFor('c1')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
