import type { HistoryPage, MessageFrame, WireConversation, WireError } from '../support/contract';
import { HistoryChecker } from '../support/history-checker';
import { rest, restOk } from '../support/rest';
import { e2eTest, useParley } from '../support/suite';
import { closeAll, getConversation, makeWs, registerUser } from '../support/users';
import { eventually } from '../support/wait';
import { isPersistedAck, type TestSocket } from '../support/ws-client';

const parley = useParley();
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

describe('direct chat over WebSocket', () => {
  const sockets: TestSocket[] = [];
  afterEach(() => closeAll(sockets.splice(0)));

  e2eTest('two users chat: acks, deliveries, history, unread counts and read markers agree', async () => {
    const { baseUrl, wsUrl } = parley.current;
    const checker = new HistoryChecker(baseUrl);
    const alice = await registerUser(baseUrl, 'alice');
    const bob = await registerUser(baseUrl, 'bob');

    const conv = await restOk<WireConversation>(baseUrl, 'POST', '/v1/conversations', 201, {
      token: alice.accessToken,
      json: { type: 'direct', member_ids: [bob.user.id] },
    });
    expect(conv).toMatchObject({ type: 'direct', member_count: 2, last_seq: 0, me: { last_read_seq: 0, unread_count: 0 } });
    expect(conv.created_at).toMatch(ISO);
    checker.addReader(conv.id, alice.accessToken);

    const aliceWs = await makeWs(wsUrl, alice.accessToken, { checker, clientId: 'alice' });
    const bobWs = await makeWs(wsUrl, bob.accessToken, { checker, clientId: 'bob' });
    // A browser passes the token as a query parameter; that socket is Bob's second device.
    const bobPhone = await makeWs(wsUrl, bob.accessToken, { checker, clientId: 'bob-phone', via: 'query' });
    sockets.push(aliceWs, bobWs, bobPhone);
    expect(aliceWs.hello).toMatchObject({ type: 'hello', user_id: alice.user.id });
    expect(typeof aliceWs.hello.session_id).toBe('string');
    expect(aliceWs.hello.heartbeat_ms).toBeGreaterThan(0);
    expect(bobPhone.hello.user_id).toBe(bob.user.id);

    // Alice's first message: `received`, then `persisted` with seq 1.
    const firstId = aliceWs.sendFrameOnly(conv.id, 'hello bob');
    const persisted = await aliceWs.waitFor((f) => isPersistedAck(f) && f.client_msg_id === firstId, 'persisted ack');
    const received = aliceWs.frames.findIndex((f) => f.type === 'ack' && f.status === 'received' && f.client_msg_id === firstId);
    expect(received).toBeGreaterThanOrEqual(0);
    expect(received).toBeLessThan(aliceWs.frames.indexOf(persisted));
    expect(persisted).toMatchObject({ conversation_id: conv.id, seq: 1 });
    expect(typeof persisted.message_id).toBe('string');
    expect(persisted.created_at).toMatch(ISO);

    for (const socket of [bobWs, bobPhone, aliceWs]) {
      const m = await socket.waitForSeq(conv.id, 1);
      expect(m).toMatchObject({
        type: 'message',
        id: persisted.message_id,
        conversation_id: conv.id,
        seq: 1,
        sender_id: alice.user.id,
        client_msg_id: firstId,
        body: { text: 'hello bob' },
      });
    }

    await aliceWs.sendMessage(conv.id, 'are you there?');
    const third = await aliceWs.sendMessage(conv.id, 'third');
    expect(third.seq).toBe(3);
    await bobWs.waitForSeq(conv.id, 3);

    // Unread: three messages Bob has not read.
    let bobView = await getConversation(baseUrl, bob.accessToken, conv.id);
    expect(bobView).toMatchObject({ id: conv.id, last_seq: 3, me: { last_read_seq: 0, unread_count: 3 } });

    const readPath = `/v1/conversations/${conv.id}/read`;
    const readTwo = await rest(baseUrl, 'POST', readPath, { token: bob.accessToken, json: { seq: 2 } });
    expect(readTwo.status).toBe(204);
    bobView = await getConversation(baseUrl, bob.accessToken, conv.id);
    expect(bobView.me).toMatchObject({ last_read_seq: 2, unread_count: 1 });

    // A lower seq is accepted and ignored.
    expect((await rest(baseUrl, 'POST', readPath, { token: bob.accessToken, json: { seq: 1 } })).status).toBe(204);
    bobView = await getConversation(baseUrl, bob.accessToken, conv.id);
    expect(bobView.me).toMatchObject({ last_read_seq: 2, unread_count: 1 });

    // A seq above last_seq is a 400 and moves nothing.
    const tooFar = await rest<WireError>(baseUrl, 'POST', readPath, { token: bob.accessToken, json: { seq: 4 } });
    expect(tooFar.status).toBe(400);
    expect(tooFar.body.error.code).toBe('VALIDATION_FAILED');
    expect((await getConversation(baseUrl, bob.accessToken, conv.id)).me.last_read_seq).toBe(2);

    // A read frame moves the marker and tells Alice.
    bobWs.send({ type: 'read', conversation_id: conv.id, seq: 3 });
    const readFrame = await aliceWs.waitFor((f) => f.type === 'read' && f.conversation_id === conv.id && f.seq === 3, 'read frame for seq 3');
    expect(readFrame).toMatchObject({ type: 'read', conversation_id: conv.id, user_id: bob.user.id, seq: 3 });
    await eventually('Bob has read everything', async () => {
      expect((await getConversation(baseUrl, bob.accessToken, conv.id)).me).toMatchObject({ last_read_seq: 3, unread_count: 0 });
    });

    // Bob answers from his phone; every socket of both users sees it.
    const reply = await bobPhone.sendMessage(conv.id, 'yes, here');
    expect(reply.seq).toBe(4);
    for (const socket of [aliceWs, bobWs, bobPhone]) {
      const m = await socket.waitForSeq(conv.id, 4);
      expect(m).toMatchObject({ sender_id: bob.user.id, body: { text: 'yes, here' }, id: reply.message_id });
    }
    await aliceWs.sendMessage(conv.id, 'good');
    await Promise.all([bobWs, bobPhone, aliceWs].map((s) => s.waitForSeq(conv.id, 5)));

    // REST history agrees with what the sockets saw, in every paging mode.
    const seen = bobWs.messages(conv.id).map((m: MessageFrame) => ({ id: m.id, seq: m.seq, text: m.body.text }));
    const all = await restOk<HistoryPage>(baseUrl, 'GET', `/v1/conversations/${conv.id}/messages`, 200, { token: bob.accessToken });
    expect(all.messages.map((m) => ({ id: m.id, seq: m.seq, text: m.body.text }))).toEqual(seen);
    expect(all.has_more).toBe(false);
    const firstPage = await restOk<HistoryPage>(baseUrl, 'GET', `/v1/conversations/${conv.id}/messages?after_seq=0&limit=2`, 200, {
      token: bob.accessToken,
    });
    expect(firstPage.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(firstPage.has_more).toBe(true);
    const tail = await restOk<HistoryPage>(baseUrl, 'GET', `/v1/conversations/${conv.id}/messages?after_seq=3&limit=2`, 200, {
      token: bob.accessToken,
    });
    expect(tail.messages.map((m) => m.seq)).toEqual([4, 5]);
    expect(tail.has_more).toBe(false);
    const before = await restOk<HistoryPage>(baseUrl, 'GET', `/v1/conversations/${conv.id}/messages?before_seq=4&limit=2`, 200, {
      token: alice.accessToken,
    });
    expect(before.messages.map((m) => m.seq)).toEqual([2, 3]);
    const latest = await restOk<HistoryPage>(baseUrl, 'GET', `/v1/conversations/${conv.id}/messages?limit=2`, 200, {
      token: alice.accessToken,
    });
    expect(latest.messages.map((m) => m.seq)).toEqual([4, 5]);

    // Both see the conversation in their list, with its last_seq.
    const list = await restOk<{ conversations: WireConversation[]; next_cursor: string | null }>(baseUrl, 'GET', '/v1/conversations', 200, {
      token: bob.accessToken,
    });
    expect(list.conversations.find((c) => c.id === conv.id)).toMatchObject({ last_seq: 5, type: 'direct' });

    checker.expectCompleteDelivery(conv.id, ['alice', 'bob', 'bob-phone']);
    await checker.verify();
  });

  e2eTest('typing frames reach the other member and not the typist', async () => {
    const { baseUrl, wsUrl } = parley.current;
    const checker = new HistoryChecker(baseUrl);
    const ann = await registerUser(baseUrl, 'ann');
    const ben = await registerUser(baseUrl, 'ben');
    const conv = await restOk<WireConversation>(baseUrl, 'POST', '/v1/conversations', 201, {
      token: ann.accessToken,
      json: { type: 'direct', member_ids: [ben.user.id] },
    });
    checker.addReader(conv.id, ann.accessToken);
    const annWs = await makeWs(wsUrl, ann.accessToken, { checker, clientId: 'ann' });
    const benWs = await makeWs(wsUrl, ben.accessToken, { checker, clientId: 'ben' });
    sockets.push(annWs, benWs);

    annWs.send({ type: 'typing', conversation_id: conv.id, state: 'start' });
    const typing = await benWs.waitFor((f) => f.type === 'typing', 'typing frame');
    expect(typing).toMatchObject({ type: 'typing', conversation_id: conv.id, user_id: ann.user.id, state: 'start' });

    // A message after the typing frame is a barrier: once it is delivered to Ann, her own typing frame would have come.
    await annWs.sendMessage(conv.id, 'done typing');
    await annWs.waitForSeq(conv.id, 1);
    expect(annWs.frames.filter((f) => f.type === 'typing')).toEqual([]);
    await benWs.waitForSeq(conv.id, 1);

    checker.expectCompleteDelivery(conv.id, ['ann', 'ben']);
    await checker.verify();
  });
});
