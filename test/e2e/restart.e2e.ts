import type { HistoryPage, WireConversation, WireUser } from '../support/contract';
import { HistoryChecker } from '../support/history-checker';
import { restOk } from '../support/rest';
import { e2eTest, useParley } from '../support/suite';
import { closeAll, createDirect, createGroup, getConversation, login, makeWs, registerUser } from '../support/users';
import type { TestSocket } from '../support/ws-client';

const parley = useParley();

describe('restart', () => {
  const sockets: TestSocket[] = [];
  afterEach(() => closeAll(sockets.splice(0)));

  e2eTest('a restart keeps users, keys, conversations, messages and seqs', async () => {
    const p = parley.current;
    const checker = new HistoryChecker(p.baseUrl);
    const alice = await registerUser(p.baseUrl, 'alice');
    const bob = await registerUser(p.baseUrl, 'bob');
    const carol = await registerUser(p.baseUrl, 'carol');
    const direct = await createDirect(p.baseUrl, alice.accessToken, bob.user.id);
    const group = await createGroup(p.baseUrl, alice.accessToken, 'durable', [bob.user.id, carol.user.id]);
    checker.addReader(direct.id, bob.accessToken);
    checker.addReader(group.id, carol.accessToken);

    const aliceWs = await makeWs(p.wsUrl, alice.accessToken, { checker, clientId: 'alice' });
    const bobWs = await makeWs(p.wsUrl, bob.accessToken, { checker, clientId: 'bob' });
    sockets.push(aliceWs, bobWs);
    for (let i = 1; i <= 7; i++) await aliceWs.sendMessage(direct.id, `direct ${i}`);
    for (let i = 1; i <= 4; i++) await (i % 2 ? bobWs : aliceWs).sendMessage(group.id, `group ${i}`);
    await restOk(p.baseUrl, 'POST', `/v1/conversations/${direct.id}/read`, 204, { token: bob.accessToken, json: { seq: 5 } });
    await bobWs.waitForSeq(group.id, 4);

    const historyBefore = await restOk<HistoryPage>(p.baseUrl, 'GET', `/v1/conversations/${direct.id}/messages`, 200, { token: bob.accessToken });
    const pidBefore = p.pid;
    await p.restart();
    expect(p.pid).not.toBe(pidBefore);

    // Signing keys persist: the old access token still verifies.
    expect(await restOk<WireUser>(p.baseUrl, 'GET', '/v1/me', 200, { token: alice.accessToken })).toEqual(alice.user);
    // Credentials persist.
    const relogged = await login(p.baseUrl, bob.username, bob.password);
    expect(relogged.user).toEqual(bob.user);

    // Conversations, markers and history are all there.
    const directAfter = await getConversation(p.baseUrl, relogged.access_token, direct.id);
    expect(directAfter).toMatchObject({ id: direct.id, type: 'direct', member_count: 2, last_seq: 7, me: { last_read_seq: 5, unread_count: 2 } });
    const groupAfter = await getConversation(p.baseUrl, carol.accessToken, group.id);
    expect(groupAfter).toMatchObject({ id: group.id, title: 'durable', member_count: 3, last_seq: 4, me: { role: 'member' } });
    const historyAfter = await restOk<HistoryPage>(p.baseUrl, 'GET', `/v1/conversations/${direct.id}/messages`, 200, {
      token: relogged.access_token,
    });
    expect(historyAfter).toEqual(historyBefore);
    const list = await restOk<{ conversations: WireConversation[] }>(p.baseUrl, 'GET', '/v1/conversations', 200, { token: alice.accessToken });
    expect(list.conversations.map((c) => c.id).sort()).toEqual([direct.id, group.id].sort());

    // The next message continues the sequence, and reconnected clients catch up by sync.
    const aliceAgain = await makeWs(p.wsUrl, alice.accessToken, { checker, clientId: 'alice' });
    const bobAgain = await makeWs(p.wsUrl, relogged.access_token, { checker, clientId: 'bob' });
    sockets.push(aliceAgain, bobAgain);
    const next = await aliceAgain.sendMessage(direct.id, 'after restart');
    expect(next.seq).toBe(8);
    await bobAgain.waitForSeq(direct.id, 8);
    const groupNext = await bobAgain.sendMessage(group.id, 'group after restart');
    expect(groupNext.seq).toBe(5);
    await bobAgain.waitForSeq(group.id, 5);
    const synced = await bobAgain.sync(group.id, 2);
    expect(synced.messages.map((m) => m.seq)).toEqual([3, 4, 5]);
    expect(synced.done).toMatchObject({ last_seq: 5, has_more: false });

    // Idempotency survives the restart too: repeating a pre-restart client_msg_id stores nothing new.
    const firstDirect = historyBefore.messages[0];
    const repeat = await restOk<{ message: { seq: number; id: string } }>(p.baseUrl, 'POST', `/v1/conversations/${direct.id}/messages`, 200, {
      token: alice.accessToken,
      json: { client_msg_id: firstDirect.client_msg_id, body: { text: firstDirect.body.text } },
    });
    expect(repeat.message).toMatchObject({ seq: 1, id: firstDirect.id });

    checker.expectCompleteDelivery(direct.id, ['alice', 'bob']);
    await checker.verify();
  });
});
