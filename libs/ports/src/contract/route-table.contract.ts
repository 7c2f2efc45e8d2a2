/// <reference types="jest" />
import { RouteTable } from '../presence.port';
import { uniqueName } from './support';

export interface RouteTableUnderTest {
  table: RouteTable;
  /** Lets `ms` pass for the table: a fake clock moves, a real server is waited for. */
  advance(ms: number): Promise<void>;
  cleanup(): Promise<void>;
}

/** TTL used by the suite; advances stay clear of it by a quarter either way. */
const TTL = 2000;

/** What every RouteTable adapter must do for its callers (see presence.port.ts). */
export function describeRouteTableContract(name: string, makeAdapter: () => Promise<RouteTableUnderTest>): void {
  describe(`RouteTable contract: ${name}`, () => {
    let adapter: RouteTableUnderTest;
    let table: RouteTable;

    beforeEach(async () => {
      adapter = await makeAdapter();
      table = adapter.table;
    });

    afterEach(async () => {
      await adapter?.cleanup();
    });

    const sorted = async (p: Promise<string[]>) => (await p).sort();

    it('lists each registered gateway of a conversation once, until it unregisters', async () => {
      const conv = uniqueName('conv');
      const [gw1, gw2] = [uniqueName('gw-a'), uniqueName('gw-b')];
      expect(await table.gatewaysFor(conv)).toEqual([]);
      await table.register(conv, gw1, TTL);
      await table.register(conv, gw2, TTL);
      await table.register(conv, gw1, TTL);
      expect(await sorted(table.gatewaysFor(conv))).toEqual([gw1, gw2].sort());
      await table.unregister(conv, gw1);
      expect(await table.gatewaysFor(conv)).toEqual([gw2]);
      await table.unregister(conv, gw1);
      await table.unregister(conv, gw2);
      expect(await table.gatewaysFor(conv)).toEqual([]);
    });

    it('keeps conversations apart', async () => {
      const [c1, c2] = [uniqueName('conv'), uniqueName('conv')];
      const [gw1, gw2] = [uniqueName('gw-a'), uniqueName('gw-b')];
      await table.register(c1, gw1, TTL);
      await table.register(c2, gw2, TTL);
      expect(await table.gatewaysFor(c1)).toEqual([gw1]);
      expect(await table.gatewaysFor(c2)).toEqual([gw2]);
    });

    it('drops the routes of a gateway that stops refreshing, and keeps those of one that refreshes', async () => {
      const [c1, c2] = [uniqueName('conv'), uniqueName('conv')];
      const [alive, dead] = [uniqueName('gw-alive'), uniqueName('gw-dead')];
      await table.register(c1, alive, TTL);
      await table.register(c2, alive, TTL);
      await table.register(c1, dead, TTL);
      await adapter.advance(TTL * 0.75);
      await table.refreshGateway(alive, TTL);
      await adapter.advance(TTL * 0.5);

      expect(await table.gatewaysFor(c1)).toEqual([alive]);
      expect(await table.gatewaysFor(c2)).toEqual([alive]);

      await adapter.advance(TTL * 0.75);
      expect(await table.gatewaysFor(c1)).toEqual([]);
      expect(await table.gatewaysFor(c2)).toEqual([]);

      await table.register(c1, dead, TTL);
      expect(await table.gatewaysFor(c1)).toEqual([dead]);
    });

    it('is healthy while open', async () => {
      expect(await table.healthy()).toBe(true);
    });
  });
}
