import type { MessageFrame } from '../support/contract';
import { HistoryChecker } from '../support/history-checker';
import { sdkClient } from '../support/sdk';
import { e2eTest, useParley } from '../support/suite';
import { closeAll, createGroup, makeWs, registerUser } from '../support/users';
import { eventually } from '../support/wait';
import type { TestSocket } from '../support/ws-client';

// Senders here fire as fast as acks come back; the per-connection send rate limit is not under test.
const parley = useParley({ env: { PARLEY_SEND_RATE_PER_SECOND: '1000' } });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('reconnect and resume', () => {
  const sockets: TestSocket[] = [];
  afterEach(() => closeAll(sockets.splice(0)));

  e2eTest('a client that reconnects and syncs from its last seq gets exactly what it missed', async () => {
    const { baseUrl, wsUrl } = parley.current;
    const checker = new HistoryChecker(baseUrl);
    const alice = await registerUser(baseUrl, 'alice');
    const bob = await registerUser(baseUrl, 'bob');
    const carol = await registerUser(baseUrl, 'carol');
    const group = await createGroup(baseUrl, alice.accessToken, 'resume', [bob.user.id, carol.user.id]);
    checker.addReader(group.id, alice.accessToken);

    const aliceWs = await makeWs(wsUrl, alice.accessToken, { checker, clientId: 'alice' });
    const bobWs = await makeWs(wsUrl, bob.accessToken, { checker, clientId: 'bob' });
    let carolWs = await makeWs(wsUrl, carol.accessToken, { checker, clientId: 'carol' });
    sockets.push(aliceWs, bobWs, carolWs);

    for (let i = 0; i < 5; i++) await (i % 2 ? bobWs : aliceWs).sendMessage(group.id, `before ${i}`);
    await carolWs.waitForSeq(group.id, 5);
    const lastSeen = Math.max(...carolWs.messages(group.id).map((m) => m.seq));
    expect(lastSeen).toBe(5);

    // Carol's connection vanishes without a close handshake; the others keep talking.
    await carolWs.terminate();
    for (let i = 0; i < 12; i++) await (i % 2 ? aliceWs : bobWs).sendMessage(group.id, `while away ${i}`);

    carolWs = await makeWs(wsUrl, carol.accessToken, { checker, clientId: 'carol' });
    sockets.push(carolWs);
    // A page smaller than what was missed: has_more says there is more.
    const firstPage = await carolWs.sync(group.id, lastSeen, 5);
    expect(firstPage.messages.map((m) => m.seq)).toEqual(range(6, 10));
    expect(firstPage.done).toMatchObject({ conversation_id: group.id, has_more: true });
    const rest = await carolWs.sync(group.id, 10);
    expect(rest.messages.map((m) => m.seq)).toEqual(range(11, 17));
    expect(rest.done).toMatchObject({ conversation_id: group.id, last_seq: 17, has_more: false });
    const missed: MessageFrame[] = [...firstPage.messages, ...rest.messages];
    expect(missed.map((m) => m.body.text)).toEqual(range(0, 11).map((i) => `while away ${i}`));

    // Live delivery resumes on the new socket.
    const after = await aliceWs.sendMessage(group.id, 'welcome back');
    expect(after.seq).toBe(18);
    const live = await carolWs.waitForSeq(group.id, 18);
    expect(live).toMatchObject({ seq: 18, body: { text: 'welcome back' } });
    // Nothing before the sync's answers came twice on the new socket.
    expect(carolWs.messages(group.id).map((m) => m.seq)).toEqual(range(6, 18));

    await Promise.all([aliceWs, bobWs].map((s) => s.waitForSeq(group.id, 18)));
    checker.expectCompleteDelivery(group.id, ['alice', 'bob', 'carol']);
    await checker.verify();
  });

  e2eTest('the SDK resumes after a drop while others keep sending: every message once, in order', async () => {
    const { baseUrl, wsUrl } = parley.current;
    const checker = new HistoryChecker(baseUrl);
    const alice = await registerUser(baseUrl, 'alice');
    const bob = await registerUser(baseUrl, 'bob');
    const carol = await registerUser(baseUrl, 'carol');
    const group = await createGroup(baseUrl, alice.accessToken, 'sdk resume', [bob.user.id, carol.user.id]);
    checker.addReader(group.id, alice.accessToken);

    const aliceWs = await makeWs(wsUrl, alice.accessToken, { checker, clientId: 'alice' });
    const bobWs = await makeWs(wsUrl, bob.accessToken, { checker, clientId: 'bob' });
    sockets.push(aliceWs, bobWs);

    // The reconnect waits for this gate, so Carol is away for as long as the test wants.
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const tokenReasons: string[] = [];
    const carolSdk = sdkClient(
      wsUrl,
      async (request) => {
        tokenReasons.push(request.reason);
        if (request.reason !== 'connect') await gate;
        return carol.accessToken;
      },
      { checker, clientId: 'carol', userId: carol.user.id },
    );
    const sdkErrors: string[] = [];
    carolSdk.client.on('error', (e) => sdkErrors.push(`${e.code}: ${e.message}`));
    try {
      await carolSdk.client.connect();
      carolSdk.client.trackConversation(group.id, 0);

      const PER_SENDER = 30;
      let sentByOthers = 0;
      const senders = [aliceWs, bobWs].map(async (s, who) => {
        for (let i = 0; i < PER_SENDER; i++) {
          await s.sendMessage(group.id, `${who ? 'bob' : 'alice'} ${i}`);
          sentByOthers++;
        }
      });

      await eventually('Carol has received a few messages', async () => {
        expect(carolSdk.delivered.length).toBeGreaterThanOrEqual(5);
      });
      carolSdk.sockets.latest().raw.terminate();

      // Carol sends while away: the SDK queues it and sends it once reconnected.
      const carolSends = [carolSdk.client.send(group.id, 'sent while away 1'), carolSdk.client.send(group.id, 'sent while away 2')];
      const sentAtDrop = sentByOthers;
      await eventually('the others sent more while Carol was away', async () => {
        expect(sentByOthers).toBeGreaterThanOrEqual(sentAtDrop + 10);
      });
      openGate();

      const carolAcks = await Promise.all(carolSends);
      expect(carolAcks[0].seq).toBeLessThan(carolAcks[1].seq);
      await Promise.all(senders);
      const total = 2 * PER_SENDER + 2;
      await eventually(`Carol's SDK delivered all ${total} messages`, async () => {
        expect(carolSdk.client.lastSeqOf(group.id)).toBe(total);
      });

      expect(carolSdk.delivered.map((m) => m.seq)).toEqual(range(1, total));
      expect(carolSdk.sockets.opened.length).toBeGreaterThanOrEqual(2);
      expect(tokenReasons[0]).toBe('connect');
      expect(tokenReasons.slice(1)).toContain('reconnect');
      expect(carolSdk.sockets.problems).toEqual([]);
      expect(sdkErrors.filter((e) => !e.startsWith('DISCONNECTED'))).toEqual([]);

      await Promise.all([aliceWs, bobWs].map((s) => s.waitForSeq(group.id, total)));
      checker.expectCompleteDelivery(group.id, ['alice', 'bob', 'carol:app']);
      await checker.verify();
    } finally {
      carolSdk.client.close();
    }
  });
});
