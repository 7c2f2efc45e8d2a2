import type { Frame } from '../support/contract';
import { HistoryChecker } from '../support/history-checker';
import { rest, restOk } from '../support/rest';
import { e2eTest, useParley } from '../support/suite';
import { closeAll, createGroup, makeWs, registerUser, registerUsers, type TestUser } from '../support/users';
import { eventually } from '../support/wait';
import type { TestSocket } from '../support/ws-client';

/** Groups of more than THRESHOLD members are large: 5 members are, 3 are not. */
const THRESHOLD = 3;
const TYPING_SAMPLE_MS = 2000;
const parley = useParley({
  env: { PARLEY_LARGE_GROUP_THRESHOLD: String(THRESHOLD), PARLEY_TYPING_SAMPLE_MS: String(TYPING_SAMPLE_MS), PARLEY_SEND_RATE_PER_SECOND: '1000' },
});

interface ReadReceipts {
  conversation_id: string;
  seq: number;
  read_by: number;
}

const framesOf = (ws: TestSocket, type: string, conversationId: string): Frame[] =>
  ws.frames.filter((f) => f.type === type && f.conversation_id === conversationId);

describe('large-group policy', () => {
  const sockets: TestSocket[] = [];
  afterEach(() => closeAll(sockets.splice(0)));

  /** Connects each user (after the groups exist, so hello comes with every subscription in place). */
  async function connect(users: TestUser[], checker: HistoryChecker, prefix: string): Promise<TestSocket[]> {
    const opened = await Promise.all(users.map((u, i) => makeWs(parley.current.wsUrl, u.accessToken, { checker, clientId: `${prefix}${i}` })));
    sockets.push(...opened);
    return opened;
  }

  /** Sends one message and waits until every socket has it: frames published before it have arrived too. */
  async function barrier(from: TestSocket, all: TestSocket[], conversationId: string, text: string): Promise<number> {
    const ack = await from.sendMessage(conversationId, text);
    await Promise.all(all.map((ws) => ws.waitForSeq(conversationId, ack.seq)));
    return ack.seq;
  }

  e2eTest('above the threshold reading sends no read frames and read_by counts the readers; below it read frames arrive', async () => {
    const { baseUrl } = parley.current;
    const checker = new HistoryChecker(baseUrl);
    const users = await registerUsers(baseUrl, 'lgread', 5);
    const outsider = await registerUser(baseUrl, 'lgout');
    const [alice, bob, carol, dave, erin] = users;
    const large = await createGroup(baseUrl, alice.accessToken, 'large', users.slice(1).map((u) => u.user.id));
    const small = await createGroup(baseUrl, alice.accessToken, 'small', [bob.user.id, carol.user.id]);
    expect(large.member_count).toBe(5);
    expect(small.member_count).toBe(3);
    checker.addReader(large.id, alice.accessToken);
    checker.addReader(small.id, alice.accessToken);
    const ws = await connect(users, checker, 'reader');
    const [aliceWs, bobWs, carolWs, daveWs, erinWs] = ws;

    const receiptsPath = (conversationId: string, query: string) => `/v1/conversations/${conversationId}/read-receipts${query}`;
    const readBy = async (token: string, seq: number) => {
      const body = await restOk<ReadReceipts>(baseUrl, 'GET', receiptsPath(large.id, `?seq=${seq}`), 200, { token });
      expect(body).toEqual({ conversation_id: large.id, seq, read_by: expect.any(Number) });
      return body.read_by;
    };
    const readByAll = (token: string, seqs: number[]) => Promise.all(seqs.map((seq) => readBy(token, seq)));

    for (let i = 1; i <= 3; i++) await aliceWs.sendMessage(large.id, `large ${i}`);
    await Promise.all(ws.map((s) => s.waitForSeq(large.id, 3)));
    expect(await readByAll(erin.accessToken, [1, 2, 3])).toEqual([0, 0, 0]);

    // Bob reads over the socket, Carol and Dave over REST: the counts follow the markers.
    bobWs.send({ type: 'read', conversation_id: large.id, seq: 2 });
    await restOk(baseUrl, 'POST', `/v1/conversations/${large.id}/read`, 204, { token: carol.accessToken, json: { seq: 3 } });
    await restOk(baseUrl, 'POST', `/v1/conversations/${large.id}/read`, 204, { token: dave.accessToken, json: { seq: 1 } });
    await eventually('read_by after three readers', async () => expect(await readByAll(alice.accessToken, [1, 2, 3])).toEqual([3, 2, 1]));

    // A lower seq moves nothing; Bob catching up moves the count of seq 3.
    await restOk(baseUrl, 'POST', `/v1/conversations/${large.id}/read`, 204, { token: carol.accessToken, json: { seq: 1 } });
    await restOk(baseUrl, 'POST', `/v1/conversations/${large.id}/read`, 204, { token: bob.accessToken, json: { seq: 3 } });
    expect(await readByAll(dave.accessToken, [1, 2, 3])).toEqual([3, 2, 2]);

    // Everything said before this message has arrived by the time it does: no reader was announced.
    const last = await barrier(erinWs, ws, large.id, 'after the reads');
    for (const s of ws) expect({ client: s.clientId, reads: framesOf(s, 'read', large.id) }).toEqual({ client: s.clientId, reads: [] });
    expect(await readBy(erin.accessToken, last)).toBe(0);

    // Members only, and a seq from 1 to last_seq.
    const notMember = await rest(baseUrl, 'GET', receiptsPath(large.id, '?seq=1'), { token: outsider.accessToken });
    expect(notMember.status).toBe(404);
    expect(notMember.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const unknown = await rest(baseUrl, 'GET', receiptsPath('no-such-conversation', '?seq=1'), { token: alice.accessToken });
    expect(unknown.status).toBe(404);
    for (const query of ['', '?seq=', '?seq=0', '?seq=-1', '?seq=abc', '?seq=1.5', `?seq=${last + 1}`, '?seq=1&seq=2']) {
      const res = await rest(baseUrl, 'GET', receiptsPath(large.id, query), { token: alice.accessToken });
      expect({ query, status: res.status, body: res.body }).toMatchObject({ query, status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    }
    const anonymous = await rest(baseUrl, 'GET', receiptsPath(large.id, '?seq=1'));
    expect(anonymous.status).toBe(401);

    // Below the threshold each read reaches the other members as a read frame.
    await aliceWs.sendMessage(small.id, 'small 1');
    await aliceWs.sendMessage(small.id, 'small 2');
    await Promise.all([aliceWs, bobWs, carolWs].map((s) => s.waitForSeq(small.id, 2)));
    bobWs.send({ type: 'read', conversation_id: small.id, seq: 2 });
    await restOk(baseUrl, 'POST', `/v1/conversations/${small.id}/read`, 204, { token: carol.accessToken, json: { seq: 1 } });
    const isRead = (userId: string, seq: number) => (f: Frame) => f.type === 'read' && f.conversation_id === small.id && f.user_id === userId && f.seq === seq;
    for (const s of [aliceWs, carolWs]) {
      expect(await s.waitFor(isRead(bob.user.id, 2), `bob's read of ${small.id}`)).toEqual({ type: 'read', conversation_id: small.id, user_id: bob.user.id, seq: 2 });
    }
    for (const s of [aliceWs, bobWs]) {
      expect(await s.waitFor(isRead(carol.user.id, 1), `carol's read of ${small.id}`)).toEqual({ type: 'read', conversation_id: small.id, user_id: carol.user.id, seq: 1 });
    }
    // The count is there for small groups too.
    const smallCount = await restOk<ReadReceipts>(baseUrl, 'GET', receiptsPath(small.id, '?seq=1'), 200, { token: alice.accessToken });
    expect(smallCount).toEqual({ conversation_id: small.id, seq: 1, read_by: 2 });
    expect(framesOf(daveWs, 'read', small.id)).toEqual([]);

    checker.expectCompleteDelivery(large.id, ws.map((s) => s.clientId));
    checker.expectCompleteDelivery(small.id, [aliceWs, bobWs, carolWs].map((s) => s.clientId));
    await checker.verify();
  });

  e2eTest('above the threshold a burst of typing from several members reaches the others at most once per interval; below it every frame arrives', async () => {
    const { baseUrl } = parley.current;
    const checker = new HistoryChecker(baseUrl);
    const users = await registerUsers(baseUrl, 'lgtype', 5);
    const [alice, bob, carol] = users;
    const large = await createGroup(baseUrl, alice.accessToken, 'large typing', users.slice(1).map((u) => u.user.id));
    const small = await createGroup(baseUrl, alice.accessToken, 'small typing', [bob.user.id, carol.user.id]);
    checker.addReader(large.id, alice.accessToken);
    checker.addReader(small.id, alice.accessToken);
    const ws = await connect(users, checker, 'typist');
    const [aliceWs, bobWs, carolWs, daveWs] = ws;
    const typing = (s: TestSocket, conversationId: string, state: 'start' | 'stop') => s.send({ type: 'typing', conversation_id: conversationId, state });

    // Large group: three members type in a burst (well under one interval), the other two only watch.
    const typists = [bobWs, carolWs, daveWs];
    const BURST = 10;
    for (let n = 0; n < BURST; n++) for (const s of typists) typing(s, large.id, n % 2 === 0 ? 'start' : 'stop');
    // The sampler lets the first frame of a quiet conversation through: the watchers see the burst begin.
    const isLargeTyping = (f: Frame) => f.type === 'typing' && f.conversation_id === large.id;
    for (const s of [aliceWs, ws[4]]) await s.waitFor(isLargeTyping, `a typing frame of ${large.id}`);
    await barrier(aliceWs, ws, large.id, 'after the typing burst');
    for (const s of ws) {
      const frames = framesOf(s, 'typing', large.id);
      // Sampled: one frame per interval; a burst that straddles an interval boundary may let a second through.
      expect(frames.length).toBeLessThanOrEqual(2);
      for (const f of frames) {
        expect(f).toEqual({ type: 'typing', conversation_id: large.id, user_id: expect.any(String), state: expect.stringMatching(/^(start|stop)$/) });
        expect(f.user_id).not.toBe(s.userId);
      }
    }

    // Small group: every frame reaches every other member, and none comes back to its typist.
    typing(bobWs, small.id, 'start');
    typing(carolWs, small.id, 'start');
    typing(bobWs, small.id, 'stop');
    typing(bobWs, small.id, 'start');
    typing(carolWs, small.id, 'stop');
    const isSmallTyping = (f: Frame) => f.type === 'typing' && f.conversation_id === small.id;
    await aliceWs.waitForCount(isSmallTyping, 5, 'typing frames of the small group');
    await bobWs.waitForCount(isSmallTyping, 2, 'typing frames of the small group');
    await carolWs.waitForCount(isSmallTyping, 3, 'typing frames of the small group');
    await barrier(aliceWs, [aliceWs, bobWs, carolWs], small.id, 'after the small typing');
    // Typing is best-effort and the contract orders messages only, so frames are compared as sets.
    const seen = (s: TestSocket) => framesOf(s, 'typing', small.id).map((f) => `${String(f.user_id)}:${String(f.state)}`).sort();
    const fromBob = [`${bob.user.id}:start`, `${bob.user.id}:start`, `${bob.user.id}:stop`];
    const fromCarol = [`${carol.user.id}:start`, `${carol.user.id}:stop`];
    expect(seen(aliceWs)).toEqual([...fromBob, ...fromCarol].sort());
    expect(seen(bobWs)).toEqual(fromCarol);
    expect(seen(carolWs)).toEqual(fromBob);
    expect(framesOf(daveWs, 'typing', small.id)).toEqual([]);

    checker.expectCompleteDelivery(large.id, ws.map((s) => s.clientId));
    checker.expectCompleteDelivery(small.id, [aliceWs, bobWs, carolWs].map((s) => s.clientId));
    await checker.verify();
  });

  // Issue 13: reactions keep per-reactor ids only below the threshold; above it, counts only, and one count update per reaction.
  e2eTest('reactions: who reacted in a small group, counts only in a large one', async () => {
    const checker = new HistoryChecker(parley.current.baseUrl);
    const users = await registerUsers(parley.current.baseUrl, 'react', 5);
    const [alice, ...others] = users;
    const large = await createGroup(parley.current.baseUrl, alice.accessToken, 'large reactions', others.map((u) => u.user.id));
    const small = await createGroup(parley.current.baseUrl, alice.accessToken, 'small reactions', [others[0].user.id]);
    checker.addReader(large.id, alice.accessToken);
    checker.addReader(small.id, alice.accessToken);
    const ws = await connect(users, checker, 'react');
    for (const conv of [large, small]) {
      const seq = await barrier(ws[0], conv.id === large.id ? ws : ws.slice(0, 2), conv.id, 'react to me');
      for (const u of conv.id === large.id ? users.slice(0, 3) : users.slice(0, 2)) {
        await restOk(parley.current.baseUrl, 'POST', `/v1/conversations/${conv.id}/messages/${seq}/reactions`, 201, { token: u.accessToken, json: { client_msg_id: `r-${u.user.id}`, emoji: '👍' } });
      }
      const history = await restOk<{ messages: Array<{ seq: number; kind?: string; reactions?: Array<{ emoji: string; count: number; user_ids?: string[] }> }> }>(
        parley.current.baseUrl, 'GET', `/v1/conversations/${conv.id}/messages`, 200, { token: alice.accessToken },
      );
      const target = history.messages.find((m) => m.seq === seq);
      if (conv.id === large.id) {
        expect(target?.reactions).toEqual([{ emoji: '👍', count: 3 }]);
        const last = history.messages.at(-1)?.seq ?? 0;
        await Promise.all(ws.map((s) => s.waitForSeq(conv.id, last)));
        // One count update per reaction reached each member: the three entries, nothing else.
        for (const s of ws) expect(framesOf(s, 'message', conv.id).filter((f) => f.kind === 'reaction').map((f) => (f.reaction as { count: number }).count)).toEqual([1, 2, 3]);
      } else {
        expect(target?.reactions).toEqual([{ emoji: '👍', count: 2, user_ids: [alice.user.id, others[0].user.id] }]);
      }
    }
    checker.expectCompleteDelivery(large.id, ws.map((s) => s.clientId));
    await checker.verify();
  });
});
