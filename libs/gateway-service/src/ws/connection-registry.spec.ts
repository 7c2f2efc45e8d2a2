import { Logger } from '@parley/observability';
import { RouteTable } from '@parley/ports';
import { ConnectionData, newConnectionData, Socket } from './connection';
import { ConnectionRegistry } from './connection-registry';

class RecordingRoutes implements RouteTable {
  readonly calls: string[] = [];
  async register(conversationId: string, gatewayId: string): Promise<void> {
    this.calls.push(`register ${conversationId} ${gatewayId}`);
  }
  async unregister(conversationId: string, gatewayId: string): Promise<void> {
    this.calls.push(`unregister ${conversationId} ${gatewayId}`);
  }
  async refreshGateway(): Promise<void> {}
  async gatewaysFor(): Promise<string[]> {
    return [];
  }
  async healthy(): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {}
}

const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => silent };

function socket(id: string, userId: string): Socket & { topicsSubscribed: Set<string> } {
  const data: ConnectionData = { ...newConnectionData({ sub: userId, sid: 's', exp: 0 }, undefined, 0, { sendRatePerSecond: 0, signalRatePerSecond: 0 }), id, open: true, early: null };
  const topicsSubscribed = new Set<string>();
  const fake = {
    topicsSubscribed,
    getUserData: () => ({ conn: data }),
    subscribe: (t: string) => (topicsSubscribed.add(t), true),
    unsubscribe: (t: string) => topicsSubscribed.delete(t),
  };
  return fake as unknown as Socket & { topicsSubscribed: Set<string> };
}

describe('ConnectionRegistry', () => {
  it('knows the local sockets of each conversation and tells the route table only on the first and the last', () => {
    const routes = new RecordingRoutes();
    const dropped: string[] = [];
    const registry = new ConnectionRegistry('gw-1', routes, 30_000, silent, (key) => dropped.push(key));
    const a = socket('a', 'alice');
    const b = socket('b', 'bob');
    registry.add(a);
    registry.add(b);
    registry.watchConversation(a, 'c1');
    registry.watchConversation(a, 'c1');
    registry.watchConversation(b, 'c1');
    registry.watchConversation(b, 'c2');
    expect([...registry.watchersOf('c1')]).toEqual([a, b]);
    expect(registry.watchers('c1')).toBe(2);
    expect(a.topicsSubscribed).toEqual(new Set(['c:c1']));

    registry.unwatchConversation(a, 'c1');
    expect([...registry.watchersOf('c1')]).toEqual([b]);
    expect(a.topicsSubscribed).toEqual(new Set());
    registry.remove(b);
    expect(registry.watchersOf('c1').size).toBe(0);
    expect(registry.watchers('c2')).toBe(0);
    expect([...registry.routeKeys()]).toEqual([]);
    expect(routes.calls).toEqual(['register c1 gw-1', 'register c2 gw-1', 'unregister c1 gw-1', 'unregister c2 gw-1']);
    expect(dropped).toEqual(['c1', 'c2']);
  });

  it('answers an empty set for a conversation nobody here watches', () => {
    const registry = new ConnectionRegistry('gw-1', new RecordingRoutes(), 30_000, silent, () => undefined);
    expect(registry.watchersOf('nobody').size).toBe(0);
  });
});
