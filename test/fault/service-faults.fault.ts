/**
 * The fault matrix for Parley's own processes (issue 8): each service of the mesh is killed
 * (SIGKILL; the supervisor restarts it) and, separately, paused (SIGSTOP for longer than the
 * consumer session timeout, then SIGCONT), while clients on two gateways send. Every scenario ends
 * with the history checker (nothing acknowledged lost, no visible duplicate, no reorder, every
 * member has every message) and reports its recovery time: from the fault until acknowledgements
 * flow again. Mesh target only; the data servers' faults are in the other fault files.
 */
import type { WireConversation } from '../support/contract';
import { HistoryChecker } from '../support/history-checker';
import { sdkClient, type SdkClient } from '../support/sdk';
import { e2eTest, useParley } from '../support/suite';
import { createGroup, registerUser } from '../support/users';
import { eventually, sleep } from '../support/wait';

const parley = useParley({ env: { PARLEY_SEND_RATE_PER_SECOND: '1000', PARLEY_MESH_MESSAGING_REPLICAS: '2', PARLEY_MESH_GATEWAYS: '2' } });

const TARGETS = ['gateway-2', 'messaging-1', 'fanout', 'presence', 'notification', 'auth'] as const;
const FAULTS = ['SIGKILL', 'SIGSTOP'] as const;
const PER_SENDER = 24;
/** Longer than the Kafka consumer session timeout, so a paused consumer's partitions move. */
const PAUSE_MS = 12_000;

const recoveries: string[] = [];
afterAll(() => {
  if (recoveries.length) process.stdout.write(`[fault matrix] recovery times:\n${recoveries.map((r) => `  ${r}`).join('\n')}\n`);
});

/*
 * SIGKILL gateway-2 found a defect (closing note of 2026-12-04): the gateway, restarted under its
 * old id, lost the persisted ack of a send in flight, because fanout's gRPC channel to it was still
 * backing off when the client's resend (on reconnect) was acknowledged, and the SDK resent only on
 * reconnect. Fixed in the SDK: a send still unacknowledged after `resendAfterMs` is sent again on
 * the same socket (same client_msg_id, stored once), so a lost ack copy is asked for again.
 */

describe('fault matrix: every service killed and paused under load', () => {
  for (const target of TARGETS) {
    for (const fault of FAULTS) {
      e2eTest(`${fault} ${target} while two gateways' clients send: history intact, recovery timed`, () => scenario(target, fault));
    }
  }
});

async function scenario(target: (typeof TARGETS)[number], fault: (typeof FAULTS)[number]): Promise<void> {
  const p = parley.current;
  const [g1, g2] = p.gatewayUrls();
  await eventually('every process of the mesh is ready', () => allReady(p.gatewayUrls().map((g) => g.baseUrl), Object.values(p.meshAdmin())), 90_000);
  const checker = new HistoryChecker(p.baseUrl);
  const [alice, bob, carol] = [await registerUser(p.baseUrl, 'fa'), await registerUser(p.baseUrl, 'fb'), await registerUser(p.baseUrl, 'fc')];
  const group: WireConversation = await createGroup(p.baseUrl, alice.accessToken, `${fault} ${target}`, [bob.user.id, carol.user.id]);
  checker.addReader(group.id, alice.accessToken);
  const senders = [
    { user: alice, wsUrl: g1.wsUrl, id: 'alice' },
    { user: bob, wsUrl: g2.wsUrl, id: 'bob' },
  ];
  const clients: SdkClient[] = [...senders, { user: carol, wsUrl: g2.wsUrl, id: 'carol' }].map((s) =>
    sdkClient(s.wsUrl, () => s.user.accessToken, { checker, clientId: s.id, userId: s.user.user.id, options: { sendTimeoutMs: 120_000 } }),
  );
  try {
    await Promise.all(clients.map((c) => c.client.connect()));
    for (const c of clients) c.client.trackConversation(group.id, 0);
    let acked = 0;
    const sending = senders.map(async (_, i) => {
      for (let n = 0; n < PER_SENDER; n++) {
        await clients[i].client.send(group.id, `${senders[i].id} ${n}`);
        acked++;
        await sleep(40);
      }
    });
    await eventually('a third of the sends acknowledged', async () => expect(acked).toBeGreaterThanOrEqual((2 * PER_SENDER) / 3), 60_000);
    const pid = p.meshPids()[target];
    if (!pid) throw new Error(`${target} has no pid (${JSON.stringify(p.meshPids())})`);
    let duringPause = '';
    process.kill(pid, fault);
    if (fault === 'SIGSTOP') {
      const atStop = acked;
      try {
        await sleep(PAUSE_MS);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      duringPause = `; ${acked - atStop} acknowledged during the ${PAUSE_MS / 1000} s pause`;
    }
    // Recovery: from the kill, or from SIGCONT, until four more sends are acknowledged.
    const atFault = acked;
    const faultAt = Date.now();
    await eventually(`acknowledgements flow again after ${fault} ${target}`, async () => expect(acked).toBeGreaterThanOrEqual(Math.min(2 * PER_SENDER, atFault + 4)), 120_000);
    recoveries.push(`${fault} ${target}: ${((Date.now() - faultAt) / 1000).toFixed(1)} s until sends were acknowledged again${duringPause}`);

    await Promise.all(sending);
    expect(acked).toBe(2 * PER_SENDER);
    const last = 2 * PER_SENDER;
    await eventually('every member has every message', async () => {
      for (const c of clients) expect(c.client.lastSeqOf(group.id)).toBe(last);
    }, 90_000);
    checker.expectCompleteDelivery(group.id, clients.map((_, i) => `${['alice', 'bob', 'carol'][i]}:app`));
    await checker.verify();
    // The next scenario starts with every process back (a killed one restarted by the supervisor).
    if (fault === 'SIGKILL') await eventually(`${target} restarted`, async () => expect(p.meshPids()[target]).toEqual(expect.any(Number)), 60_000);
  } finally {
    for (const c of clients) c.client.close();
  }
}

/** Resolves when every gateway and every service answers /readyz with 200; throws otherwise. */
async function allReady(gateways: string[], admins: Array<string | null>): Promise<void> {
  const urls = [...gateways, ...admins.map((a) => (a ? `http://${a}` : null))];
  for (const url of urls) {
    if (url === null) throw new Error('a service is down (no admin address)');
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) });
    if (res.status !== 200) throw new Error(`${url}/readyz answered ${res.status}`);
  }
}
