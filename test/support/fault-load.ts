/**
 * The load every fault scenario runs under (issue 8): two senders on two gateways and a reader send
 * into one group through the SDK; once a third of the sends are acknowledged, the fault is injected;
 * the scenario then times the recovery (from the fault's end until four more sends are acknowledged),
 * waits for every send, and ends with the history checker (nothing acknowledged lost, no visible
 * duplicate, no reorder, every member has every message). Mesh target with two gateways.
 */
import type { WireConversation } from './contract';
import { HistoryChecker } from './history-checker';
import type { ParleyProcess } from './parley-process';
import type { TcpProxy } from './tcp-proxy';
import { sdkClient, type SdkClient } from './sdk';
import { createGroup, registerUser } from './users';
import { eventually, sleep } from './wait';

export interface FaultContext {
  /** Sends acknowledged (persisted) so far. */
  acked(): number;
  /** The group the load sends into. */
  conversationId: string;
}

export interface FaultOutcome {
  /** Seconds from the end of the fault until acknowledgements flowed again. */
  recoverySeconds: number;
  /** Send → persisted-ack latency over the whole scenario, in ms. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const PER_SENDER = 24;

/**
 * Runs the load, calls `inject` once a third of the sends are acknowledged (it returns when the
 * fault is over: the kill done, the pause ended, the server restarted), then checks the history.
 */
export async function faultUnderLoad(p: ParleyProcess, label: string, inject: (ctx: FaultContext) => Promise<void>, pauseBetweenSendsMs = 40): Promise<FaultOutcome> {
  const [g1, g2] = p.gatewayUrls();
  await eventually('every process of the mesh is ready', () => allReady(p), 90_000);
  const checker = new HistoryChecker(p.baseUrl);
  const [alice, bob, carol] = [await registerUser(p.baseUrl, 'fa'), await registerUser(p.baseUrl, 'fb'), await registerUser(p.baseUrl, 'fc')];
  const group: WireConversation = await createGroup(p.baseUrl, alice.accessToken, label, [bob.user.id, carol.user.id]);
  checker.addReader(group.id, alice.accessToken);
  const senders = [
    { user: alice, wsUrl: g1.wsUrl, id: 'alice' },
    { user: bob, wsUrl: g2.wsUrl, id: 'bob' },
  ];
  const clients: SdkClient[] = [...senders, { user: carol, wsUrl: g2.wsUrl, id: 'carol' }].map((s) =>
    sdkClient(s.wsUrl, () => s.user.accessToken, { checker, clientId: s.id, userId: s.user.user.id, options: { sendTimeoutMs: 120_000 } }),
  );
  const latencies: number[] = [];
  try {
    await Promise.all(clients.map((c) => c.client.connect()));
    for (const c of clients) c.client.trackConversation(group.id, 0);
    let acked = 0;
    const sending = senders.map(async (_, i) => {
      for (let n = 0; n < PER_SENDER; n++) {
        const started = performance.now();
        await clients[i].client.send(group.id, `${senders[i].id} ${n}`);
        latencies.push(performance.now() - started);
        acked++;
        await sleep(pauseBetweenSendsMs);
      }
    });
    await eventually('a third of the sends acknowledged', async () => expect(acked).toBeGreaterThanOrEqual((2 * PER_SENDER) / 3), 60_000);
    await inject({ acked: () => acked, conversationId: group.id });
    const atFault = acked;
    const faultEndedAt = Date.now();
    await eventually(`acknowledgements flow again after ${label}`, async () => expect(acked).toBeGreaterThanOrEqual(Math.min(2 * PER_SENDER, atFault + 4)), 120_000);
    const recoverySeconds = (Date.now() - faultEndedAt) / 1000;

    await Promise.all(sending);
    expect(acked).toBe(2 * PER_SENDER);
    await eventually('every member has every message', async () => {
      for (const c of clients) expect(c.client.lastSeqOf(group.id)).toBe(2 * PER_SENDER);
    }, 90_000);
    checker.expectCompleteDelivery(group.id, ['alice:app', 'bob:app', 'carol:app']);
    // A history read answered 503 (a store still reconnecting) is asked again, as a client would;
    // any violation fails at once.
    let violation: unknown = null;
    await eventually('the history can be read back (503 while a store reconnects)', async () => {
      try {
        await checker.verify();
      } catch (e) {
        if (/^GET history .*: 503 /.test((e as Error).message)) throw e;
        violation = e;
      }
    }, 30_000);
    if (violation) throw violation;
    const sorted = [...latencies].sort((a, b) => a - b);
    const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
    return { recoverySeconds, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: Math.round(sorted[sorted.length - 1]) };
  } finally {
    for (const c of clients) c.client.close();
  }
}

/** Resolves when every gateway and every service answers /readyz with 200; throws otherwise. */
export async function allReady(p: ParleyProcess): Promise<void> {
  const urls = [...p.gatewayUrls().map((g) => g.baseUrl), ...Object.values(p.meshAdmin()).map((a) => (a ? `http://${a}` : null))];
  for (const url of urls) {
    if (url === null) throw new Error('a service is down (no admin address)');
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) });
    if (res.status !== 200) throw new Error(`${url}/readyz answered ${res.status}`);
  }
}

/**
 * What readiness says now, for a scenario's report: every gateway's /readyz (status and failing
 * checks), then the services whose admin /readyz is not 200.
 */
export async function readinessNow(p: ParleyProcess): Promise<string> {
  const ask = async (url: string): Promise<string> => {
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(3000) });
      const body = (await res.json().catch(() => ({}))) as { failing?: string[] };
      return `${res.status}${body.failing?.length ? ` (failing: ${body.failing.join(', ')})` : ''}`;
    } catch (e) {
      return `no answer (${(e as Error).name})`;
    }
  };
  const gateways = await Promise.all(p.gatewayUrls().map((g) => ask(g.baseUrl)));
  const services = await Promise.all(Object.entries(p.meshAdmin()).map(async ([name, a]) => [name, a ? await ask(`http://${a}`) : 'down'] as const));
  const notReady = services.filter(([name, answer]) => !name.startsWith('gateway') && !answer.startsWith('200'));
  return `gateways ${gateways.join(' / ')}; services ${notReady.length ? notReady.map(([n, a]) => `${n} ${a}`).join(', ') : 'all 200'}`;
}

/** A link fault's outcome and what readiness said while it lasted. */
export interface LinkFaultOutcome {
  outcome: FaultOutcome;
  during: string;
}

/** Adds latencyMs each way on a proxied link for forMs under the load; readiness read halfway. */
export async function latencyUnderLoad(p: ParleyProcess, label: string, link: TcpProxy, latencyMs: number, forMs: number): Promise<LinkFaultOutcome> {
  let during = '';
  const outcome = await faultUnderLoad(p, label, async () => {
    link.setLatency(latencyMs);
    try {
      await sleep(forMs / 2);
      during = await readinessNow(p);
      await sleep(forMs / 2);
    } finally {
      link.setLatency(0);
    }
  });
  return { outcome, during };
}

/** Cuts every connection of a proxied link twice, 2 s apart, under the load; the first cut must hit some. */
export async function cutTwiceUnderLoad(p: ParleyProcess, label: string, link: TcpProxy): Promise<LinkFaultOutcome> {
  let during = '';
  const outcome = await faultUnderLoad(p, label, async () => {
    if (link.cutAll() === 0) throw new Error(`${label}: the first cut found no connection through the proxy`);
    await sleep(2000);
    during = await readinessNow(p);
    link.cutAll();
  });
  return { outcome, during };
}
