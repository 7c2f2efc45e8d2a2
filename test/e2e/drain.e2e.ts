/**
 * Graceful drain (issue 11): on SIGTERM the gateway is not ready at once, refuses upgrades with 503,
 * answers the acks still pending, and closes its sockets with 1012 spread over PARLEY_DRAIN_MS;
 * the SDK reconnects (with jitter) once a gateway is back and resumes without loss or duplicate.
 * Against the mesh, SIGTERM goes to the supervisor, which stops the gateways first.
 */
import type { WireMessage } from '../support/contract';
import { HistoryChecker } from '../support/history-checker';
import { rest, restOk } from '../support/rest';
import { sdkClient } from '../support/sdk';
import { e2eTest, useParley } from '../support/suite';
import { closeAll, createGroup, makeWs, registerUsers } from '../support/users';
import { eventually } from '../support/wait';
import { attemptUpgrade, isPersistedAck, type TestSocket } from '../support/ws-client';

const DRAIN_MS = 3000;
const parley = useParley({ env: { PARLEY_DRAIN_MS: String(DRAIN_MS) } });

describe('graceful drain', () => {
  const sockets: TestSocket[] = [];
  afterEach(() => closeAll(sockets.splice(0)));

  e2eTest('SIGTERM: not ready at once, upgrades refused, acks flushed, 1012 spread over the window; the SDK resumes after', async () => {
    const p = parley.current;
    const checker = new HistoryChecker(p.baseUrl);
    const users = await registerUsers(p.baseUrl, 'drain', 8);
    const [alice, bob] = users;
    const group = await createGroup(p.baseUrl, alice.accessToken, 'drain', users.slice(1).map((u) => u.user.id));
    checker.addReader(group.id, bob.accessToken);

    for (const u of users) sockets.push(await makeWs(p.wsUrl, u.accessToken, { checker, clientId: u.username }));
    for (const u of users.slice(2)) sockets.push(await makeWs(p.wsUrl, u.accessToken, { checker, clientId: `${u.username}-2` }));
    const aliceWs = sockets[0];
    await aliceWs.sendMessage(group.id, 'before the drain');

    const bobSdk = sdkClient(p.wsUrl, () => bob.accessToken, { checker, clientId: 'bob-sdk', userId: bob.user.id, options: { reconnect: { initialMs: 200, maxMs: 1000, jitter: 0.5 } } });
    bobSdk.client.trackConversation(group.id, 0);
    await bobSdk.client.connect();
    await eventually('the SDK synced the first message', async () => {
      if (bobSdk.delivered.length < 1) throw new Error(`delivered ${bobSdk.delivered.length}`);
    });

    // A send in flight when SIGTERM arrives gets its persisted ack before the socket closes.
    const inFlight = aliceWs.sendFrameOnly(group.id, 'in flight at SIGTERM');
    const sigterm = Date.now();
    const exited = p.kill('SIGTERM');
    await eventually(
      '/readyz turns 503',
      async () => {
        const res = await rest(p.baseUrl, 'GET', '/readyz');
        if (res.status !== 503) throw new Error(`status ${res.status}`);
      },
      2500,
    );
    // Well inside the drain window: the load balancer stops sending before the sockets go.
    expect(Date.now() - sigterm).toBeLessThan(DRAIN_MS);
    const refused = await attemptUpgrade(p.wsUrl, { authorization: `Bearer ${bob.accessToken}` });
    expect(refused).toMatchObject({ status: 503, opened: false });

    const closes = await Promise.all(sockets.map(async (s) => ({ ...(await s.closed), at: Date.now() - sigterm })));
    expect(closes.map((c) => c.code)).toEqual(sockets.map(() => 1012));
    const times = closes.map((c) => c.at).sort((a, b) => a - b);
    // Spread over the window (minus the ack-flush bound), not all at once.
    expect(times[times.length - 1] - times[0]).toBeGreaterThan(DRAIN_MS / 3);
    expect(times[times.length - 1]).toBeLessThan(DRAIN_MS + 2000);
    const ackIndex = aliceWs.frames.findIndex((f) => isPersistedAck(f) && f.client_msg_id === inFlight);
    expect(ackIndex).toBeGreaterThanOrEqual(0);
    await exited;

    // Back up: the SDK reconnects by itself and resumes; a message sent meanwhile arrives once.
    await p.restart();
    const { message: after } = await restOk<{ message: WireMessage }>(p.baseUrl, 'POST', `/v1/conversations/${group.id}/messages`, [200, 201], {
      token: alice.accessToken,
      json: { client_msg_id: `after-${Date.now()}`, body: { text: 'after the restart' } },
    });
    await eventually(
      'the SDK delivered every message after the restart',
      async () => {
        const seqs = bobSdk.delivered.filter((m) => m.conversation_id === group.id).map((m) => m.seq);
        if (seqs[seqs.length - 1] !== after.seq) throw new Error(`delivered seqs ${seqs.join(',')}`);
      },
      30_000,
    );
    const seqs = bobSdk.delivered.filter((m) => m.conversation_id === group.id).map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: after.seq }, (_, i) => i + 1));
    bobSdk.client.close();
    const report = await checker.verify();
    expect(report.storedMessages).toBe(after.seq);
  });
});
