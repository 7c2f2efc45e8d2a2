import { randomUUID } from 'node:crypto';
import type { HistoryPage, WireMessage } from '../support/contract';
import { HistoryChecker } from '../support/history-checker';
import { rest, restOk } from '../support/rest';
import { e2eTest, useParley } from '../support/suite';
import { closeAll, createDirect, makeWs, registerUser, type TestUser } from '../support/users';
import { isPersistedAck, type TestSocket } from '../support/ws-client';

const parley = useParley();

interface SendAnswer {
  via: 'rest' | 'ws';
  status?: number;
  seq: number;
  id: string;
}

describe('one client_msg_id, one message', () => {
  const sockets: TestSocket[] = [];
  afterEach(() => closeAll(sockets.splice(0)));

  async function restSend(checker: HistoryChecker, user: TestUser, conversationId: string, clientMsgId: string, text: string): Promise<SendAnswer> {
    checker.recordSend({ clientId: user.username, senderId: user.user.id, conversationId, clientMsgId, text });
    const res = await rest<{ message: WireMessage }>(parley.current.baseUrl, 'POST', `/v1/conversations/${conversationId}/messages`, {
      token: user.accessToken,
      json: { client_msg_id: clientMsgId, body: { text } },
    });
    if (res.status !== 200 && res.status !== 201) throw new Error(`REST send answered ${res.status}: ${res.text}`);
    const m = res.body.message;
    expect(m).toMatchObject({ conversation_id: conversationId, client_msg_id: clientMsgId, sender_id: user.user.id, body: { text } });
    checker.recordAck({ conversationId, senderId: user.user.id, clientMsgId, seq: m.seq, messageId: m.id, via: 'rest' });
    return { via: 'rest', status: res.status, seq: m.seq, id: m.id };
  }

  /** Sends over WS and waits for the next persisted ack of that client_msg_id on this socket. */
  async function wsSend(socket: TestSocket, conversationId: string, clientMsgId: string, text: string): Promise<SendAnswer> {
    const from = socket.frames.length;
    socket.sendFrameOnly(conversationId, text, clientMsgId);
    const ack = await socket.waitFor((f) => (isPersistedAck(f) || f.type === 'error') && f.client_msg_id === clientMsgId, `ack of ${clientMsgId}`, undefined, from);
    if (!isPersistedAck(ack)) throw new Error(`WS send answered ${JSON.stringify(ack)}`);
    return { via: 'ws', seq: ack.seq, id: ack.message_id };
  }

  e2eTest('five sends of one client_msg_id over REST and WebSocket store one message', async () => {
    const { baseUrl, wsUrl } = parley.current;
    const checker = new HistoryChecker(baseUrl);
    const alice = await registerUser(baseUrl, 'alice');
    const bob = await registerUser(baseUrl, 'bob');
    const conv = await createDirect(baseUrl, alice.accessToken, bob.user.id);
    checker.addReader(conv.id, bob.accessToken);
    const aliceWs = await makeWs(wsUrl, alice.accessToken, { checker, clientId: alice.username });
    const bobWs = await makeWs(wsUrl, bob.accessToken, { checker, clientId: bob.username });
    sockets.push(aliceWs, bobWs);

    // REST first: 201, then WS, REST, WS, REST all answer with the original.
    const x = randomUUID();
    const answers: SendAnswer[] = [];
    answers.push(await restSend(checker, alice, conv.id, x, 'only once'));
    answers.push(await wsSend(aliceWs, conv.id, x, 'only once'));
    answers.push(await restSend(checker, alice, conv.id, x, 'only once'));
    answers.push(await wsSend(aliceWs, conv.id, x, 'only once'));
    answers.push(await restSend(checker, alice, conv.id, x, 'only once'));
    expect(answers.map((a) => a.status)).toEqual([201, undefined, 200, undefined, 200]);
    expect(new Set(answers.map((a) => `${a.seq}/${a.id}`))).toEqual(new Set([`1/${answers[0].id}`]));

    // WS first: the REST repeat answers 200 with the WS message.
    const y = randomUUID();
    const wsFirst = await wsSend(aliceWs, conv.id, y, 'ws first');
    expect(wsFirst.seq).toBe(2);
    const restRepeat = await restSend(checker, alice, conv.id, y, 'ws first');
    expect(restRepeat).toMatchObject({ status: 200, seq: 2, id: wsFirst.id });

    // Concurrent repeats, both transports at once: still one message.
    const z = randomUUID();
    const concurrent = await Promise.all([
      restSend(checker, alice, conv.id, z, 'racing'),
      wsSend(aliceWs, conv.id, z, 'racing'),
      restSend(checker, alice, conv.id, z, 'racing'),
      restSend(checker, alice, conv.id, z, 'racing'),
    ]);
    expect(new Set(concurrent.map((a) => `${a.seq}/${a.id}`)).size).toBe(1);
    expect(concurrent[0].seq).toBe(3);
    expect(concurrent.filter((a) => a.status === 201).length).toBeLessThanOrEqual(1);

    // The key is (sender, conversation, client_msg_id): Bob reusing Alice's id makes a new message.
    const bobsOwn = await restSend(checker, bob, conv.id, x, 'same id, other sender');
    expect(bobsOwn).toMatchObject({ status: 201, seq: 4 });

    // A barrier: once seq 5 has reached Bob, any duplicate delivery of 1..4 would have come before it.
    await aliceWs.sendMessage(conv.id, 'barrier');
    await bobWs.waitForSeq(conv.id, 5);
    expect(bobWs.messages(conv.id).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);

    const history = await restOk<HistoryPage>(baseUrl, 'GET', `/v1/conversations/${conv.id}/messages`, 200, { token: alice.accessToken });
    expect(history.messages.map((m) => [m.seq, m.client_msg_id, m.sender_id])).toEqual([
      [1, x, alice.user.id],
      [2, y, alice.user.id],
      [3, z, alice.user.id],
      [4, x, bob.user.id],
      [5, expect.any(String), alice.user.id],
    ]);

    checker.expectCompleteDelivery(conv.id, [alice.username, bob.username]);
    await checker.verify();
  });

  e2eTest('the same client_msg_id in another conversation is another message', async () => {
    const { baseUrl } = parley.current;
    const checker = new HistoryChecker(baseUrl);
    const alice = await registerUser(baseUrl, 'alice');
    const bob = await registerUser(baseUrl, 'bob');
    const carol = await registerUser(baseUrl, 'carol');
    const withBob = await createDirect(baseUrl, alice.accessToken, bob.user.id);
    const withCarol = await createDirect(baseUrl, alice.accessToken, carol.user.id);
    checker.addReader(withBob.id, alice.accessToken);
    checker.addReader(withCarol.id, alice.accessToken);

    const id = randomUUID();
    const one = await restSend(checker, alice, withBob.id, id, 'to bob');
    const two = await restSend(checker, alice, withCarol.id, id, 'to carol');
    expect(one).toMatchObject({ status: 201, seq: 1 });
    expect(two).toMatchObject({ status: 201, seq: 1 });
    expect(two.id).not.toBe(one.id);
    await checker.verify();
  });
});
