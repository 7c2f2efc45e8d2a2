import { gatewayMetricsUrls, sampleValues, scrapeAll } from '../support/metrics';
import type { ParleyProcess } from '../support/parley-process';
import { restOk } from '../support/rest';
import { e2eTest, useParley } from '../support/suite';
import { createDirect, makeWs, registerUser } from '../support/users';
import { eventually } from '../support/wait';

const parley = useParley();

/** The bound the gateway keeps on the sync pages it holds for sharing (MAX_SHARED_BYTES). */
const SHARED_BYTES_BOUND = 32 * 1024 * 1024;

/** A gauge of the (first) gateway, from its admin port: the public port serves no metrics. */
async function gauge(p: ParleyProcess, name: string): Promise<number> {
  const values = sampleValues(await scrapeAll(gatewayMetricsUrls(await p.metricsUrls()).slice(0, 1)), name);
  if (values.length === 0) throw new Error(`${name} is not in /metrics`);
  return values[0];
}

describe('bounded gateway memory under abuse (issue 8)', () => {
  e2eTest('300 syncs of distinct ranges over long messages hold at most the byte bound, released once the client is gone', async () => {
    const { baseUrl, wsUrl } = parley.current;
    const alice = await registerUser(baseUrl, 'hoarder');
    const bob = await registerUser(baseUrl, 'bystander');
    const conv = await createDirect(baseUrl, alice.accessToken, bob.user.id);
    const text = 'x'.repeat(4000);
    // 500 long messages, 8 at a time.
    for (let i = 0; i < 500; i += 8) {
      await Promise.all(
        Array.from({ length: Math.min(8, 500 - i) }, (_, k) =>
          restOk(baseUrl, 'POST', `/v1/conversations/${conv.id}/messages`, 201, { token: bob.accessToken, json: { client_msg_id: `long-${i + k}`, body: { text } } }),
        ),
      );
    }
    const ws = await makeWs(wsUrl, alice.accessToken);
    let held = 0;
    for (let i = 0; i < 300; i++) {
      const afterSeq = i % 250;
      const limit = 100 + Math.floor(i / 250) * 50 + (i % 7);
      ws.send({ type: 'sync', conversation_id: conv.id, after_seq: afterSeq, limit });
      await ws.waitFor((f) => f.type === 'sync.done', `sync.done ${i}`);
      // The test keeps no copy of the 120 MB it reads (no waiter is pending here).
      ws.frames.splice(0);
      if (i % 50 === 49) held = Math.max(held, await gauge(parley.current, 'parley_gateway_sync_shared_bytes'));
    }
    held = Math.max(held, await gauge(parley.current, 'parley_gateway_sync_shared_bytes'));
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(SHARED_BYTES_BOUND);
    await ws.close();
    // Held pages go one second after they arrived (the gateway prunes once a second).
    await eventually('held sync pages released', async () => expect(await gauge(parley.current, 'parley_gateway_sync_shared_bytes')).toBe(0), 10_000);
  });
});
