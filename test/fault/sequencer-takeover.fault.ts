/**
 * The sequencer's takeover argument (docs/adr/0003-sequencer-takeover.md), tested: while clients
 * send, the owning messaging process is killed (SIGKILL), then another is paused (SIGSTOP) past
 * the consumer session timeout and woken (SIGCONT) after its partitions moved. The history checker
 * must find no gap, no duplicate and no lost acknowledged message. Mesh target only.
 */
import { HistoryChecker } from '../support/history-checker';
import { sdkClient, type SdkClient } from '../support/sdk';
import { e2eTest, useParley } from '../support/suite';
import { createGroup, registerUser, type TestUser } from '../support/users';
import type { WireConversation } from '../support/contract';
import { eventually, sleep } from '../support/wait';

const parley = useParley({ env: { PARLEY_SEND_RATE_PER_SECOND: '1000', PARLEY_MESH_MESSAGING_REPLICAS: '2' } });

const SENDERS = 3;
const CONVERSATIONS = 6;
const PER_SENDER = 45;

describe('sequencer takeover under load', () => {
  e2eTest('kill and pause the owning messaging processes while clients send: no gap, no duplicate, nothing acknowledged lost', async () => {
    const { baseUrl, wsUrl } = parley.current;
    const checker = new HistoryChecker(baseUrl);
    const users: TestUser[] = [];
    for (let i = 0; i < SENDERS; i++) users.push(await registerUser(baseUrl, `takeover${i}`));
    const groups: WireConversation[] = [];
    for (let c = 0; c < CONVERSATIONS; c++) {
      const g = await createGroup(baseUrl, users[0].accessToken, `takeover ${c}`, users.slice(1).map((u) => u.user.id));
      checker.addReader(g.id, users[0].accessToken);
      groups.push(g);
    }

    const clients: SdkClient[] = users.map((u, i) =>
      sdkClient(wsUrl, () => u.accessToken, { checker, clientId: `sender${i}`, userId: u.user.id, options: { sendTimeoutMs: 90_000 } }),
    );
    try {
      await Promise.all(clients.map((c) => c.client.connect()));
      for (const c of clients) for (const g of groups) c.client.trackConversation(g.id, 0);

      let acked = 0;
      const sending = clients.map(async (c, i) => {
        for (let n = 0; n < PER_SENDER; n++) {
          await c.client.send(groups[(n + i) % CONVERSATIONS].id, `sender ${i} message ${n}`);
          acked++;
        }
      });

      const pids = parley.current.meshPids();
      await eventually('a first third of the sends is acknowledged', async () => expect(acked).toBeGreaterThanOrEqual(SENDERS * PER_SENDER / 3), 60_000);
      process.kill(pids['messaging-1'] as number, 'SIGKILL');

      const atKill = acked;
      await eventually('sends go on after the kill', async () => expect(acked).toBeGreaterThanOrEqual(atKill + 10), 90_000);
      const paused = pids['messaging-2'] as number;
      process.kill(paused, 'SIGSTOP');
      try {
        // Longer than the consumer session timeout: the group moves the partitions away.
        await sleep(15_000);
      } finally {
        process.kill(paused, 'SIGCONT');
      }

      await Promise.all(sending);
      expect(acked).toBe(SENDERS * PER_SENDER);
      await eventually('every sender has received every message', async () => {
        for (const c of clients) for (const g of groups) expect(c.client.lastSeqOf(g.id)).toBe((await lastSeqOf(baseUrl, users[0].accessToken, g.id)));
      }, 60_000);
      const total = await Promise.all(groups.map((g) => lastSeqOf(baseUrl, users[0].accessToken, g.id)));
      expect(total.reduce((a, b) => a + b, 0)).toBe(SENDERS * PER_SENDER);
      for (const g of groups) checker.expectCompleteDelivery(g.id, clients.map((_, i) => `sender${i}:app`));
      await checker.verify();
    } finally {
      for (const c of clients) c.client.close();
    }
  });
});

async function lastSeqOf(baseUrl: string, token: string, conversationId: string): Promise<number> {
  const res = await fetch(`${baseUrl}/v1/conversations/${conversationId}`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`GET conversation: ${res.status}`);
  return ((await res.json()) as { last_seq: number }).last_seq;
}
