import type { PresenceApi, PresenceView } from '@parley/ports';
import { balances } from './grpc-channel';
import { GrpcPresenceClient } from './presence.client';
import { servePresence } from './presence.server';
import { ServerPool } from './__tests__/rpc-harness';

/** A replica that counts the reads it answered. */
class CountingReplica implements PresenceApi {
  reads = 0;
  async connected() {}
  async disconnected() {}
  async gatewayHeartbeat() {}
  async get(userId: string): Promise<PresenceView> {
    this.reads++;
    return { user_id: userId, status: 'offline', last_seen_at: null };
  }
}

describe('a client of several replicas', () => {
  const servers = new ServerPool();
  afterAll(() => servers.closeAll());

  it('spreads its calls over all of them (round robin), not all to the first', async () => {
    const replicas = [new CountingReplica(), new CountingReplica(), new CountingReplica()];
    const addresses = await Promise.all(replicas.map((r) => servers.start((server) => servePresence(server, r))));
    const client = new GrpcPresenceClient(`ipv4:${addresses.join(',')}`);
    try {
      // The first call may find only one subchannel ready; later ones rotate over all three.
      for (let i = 0; i < 60; i++) await client.get(`u-${i}`);
    } finally {
      client.close();
    }
    const reads = replicas.map((r) => r.reads);
    expect(reads.reduce((a, b) => a + b, 0)).toBe(60);
    for (const n of reads) expect(n).toBeGreaterThanOrEqual(10);
  });
});

describe('which targets are balanced', () => {
  it('a list of replicas or a dns: name is; one address is not (pick_first reconnects on the next call)', () => {
    expect(balances('ipv4:127.0.0.1:1,127.0.0.1:2')).toBe(true);
    expect(balances('dns:///parley-messaging-headless:7102')).toBe(true);
    expect(balances('127.0.0.1:7101')).toBe(false);
    expect(balances('parley-auth:7101')).toBe(false);
  });
});
