/**
 * Issue 13.1: edits, deletes, reactions, replies and mentions as entries of the seq stream
 * (docs/adr/0010-message-lifecycle.md), over REST and WebSocket, with who may do what, on
 * standalone and (PARLEY_E2E_TARGET=mesh) on the mesh. The history checker covers the stream.
 */
import { randomUUID } from 'node:crypto';
import type { ErrorFrame, HistoryPage, PersistedAckFrame, WireError, WireMessage } from '../support/contract';
import { HistoryChecker } from '../support/history-checker';
import { rest } from '../support/rest';
import { e2eTest, useParley } from '../support/suite';
import { closeAll, createGroup, getConversation, makeWs, registerUser } from '../support/users';
import type { TestSocket } from '../support/ws-client';
import { ParleyApiError, ParleyRest } from '@parley/client';
import { sdkClient } from '../support/sdk';
import { storedBodies } from '../support/stored-bodies';

const parley = useParley();

type Answer = { message: WireMessage } & WireError;

describe('message lifecycle in the seq stream', () => {
  const sockets: TestSocket[] = [];
  afterEach(() => closeAll(sockets.splice(0)));

  e2eTest('edit, react, reply, mention and delete, each with its own seq and its authorization', async () => {
    const { baseUrl, wsUrl } = parley.current;
    const checker = new HistoryChecker(baseUrl);
    const [alice, bob, carol, mallory] = await Promise.all(['alice', 'bob', 'carol', 'mallory'].map((p) => registerUser(baseUrl, p)));
    const group = await createGroup(baseUrl, alice.accessToken, 'lifecycle', [bob.user.id, carol.user.id]); // alice is its admin
    checker.addReader(group.id, alice.accessToken);
    const bobWs = await makeWs(wsUrl, bob.accessToken, { checker, clientId: 'bob' });
    const carolWs = await makeWs(wsUrl, carol.accessToken, { checker, clientId: 'carol' });
    sockets.push(bobWs, carolWs);
    const op = (token: string, method: string, path: string, json: unknown) => rest<Answer>(baseUrl, method, `/v1/conversations/${group.id}${path}`, { token, json });

    const original = await bobWs.sendMessage(group.id, `original text ${randomUUID()}`);
    const other = await bobWs.sendMessage(group.id, 'second message');

    // Edit: only the sender; a repeat of its client_msg_id is the same entry.
    expect((await op(alice.accessToken, 'PATCH', `/messages/${original.seq}`, { client_msg_id: randomUUID(), body: { text: 'hijacked' } })).body.error.code).toBe('FORBIDDEN');
    expect((await op(mallory.accessToken, 'PATCH', `/messages/${original.seq}`, { client_msg_id: randomUUID(), body: { text: 'x' } })).status).toBe(404);
    const editId = randomUUID();
    const edited = await op(bob.accessToken, 'PATCH', `/messages/${original.seq}`, { client_msg_id: editId, body: { text: 'edited text, hi @' + carol.user.username } });
    expect(edited.status).toBe(201);
    expect(edited.body.message).toMatchObject({ kind: 'edit', target_seq: original.seq, seq: other.seq + 1, sender_id: bob.user.id, mentions: [carol.user.id] });
    const again = await op(bob.accessToken, 'PATCH', `/messages/${original.seq}`, { client_msg_id: editId, body: { text: 'edited text, hi @' + carol.user.username } });
    expect({ status: again.status, seq: again.body.message.seq, id: again.body.message.id }).toEqual({ status: 200, seq: edited.body.message.seq, id: edited.body.message.id });
    const live = await carolWs.waitForSeq(group.id, edited.body.message.seq);
    expect(live).toMatchObject({ kind: 'edit', target_seq: original.seq, body: { text: expect.stringContaining('edited text') } });

    // Reactions: any member (over WS too), not a non-member; one per emoji per member; counts on the message.
    expect((await op(mallory.accessToken, 'POST', `/messages/${original.seq}/reactions`, { client_msg_id: randomUUID(), emoji: '👍' })).status).toBe(404);
    const reactId = randomUUID();
    carolWs.send({ type: 'react', conversation_id: group.id, seq: original.seq, client_msg_id: reactId, emoji: '👍', action: 'add' });
    const reactAck = await carolWs.waitFor<PersistedAckFrame>((f) => f.type === 'ack' && f.status === 'persisted' && f.client_msg_id === reactId, 'reaction ack');
    const reactFrame = await bobWs.waitForSeq(group.id, reactAck.seq);
    expect(reactFrame).toMatchObject({ kind: 'reaction', target_seq: original.seq, reaction: { emoji: '👍', action: 'add', count: 1 } });
    expect((await op(carol.accessToken, 'POST', `/messages/${original.seq}/reactions`, { client_msg_id: randomUUID(), emoji: '👍' })).body.error.code).toBe('CONFLICT');
    const second = await op(alice.accessToken, 'POST', `/messages/${original.seq}/reactions`, { client_msg_id: randomUUID(), emoji: '👍' });
    expect(second.body.message.reaction).toEqual({ emoji: '👍', action: 'add', count: 2 });
    const removed = await op(carol.accessToken, 'DELETE', `/messages/${original.seq}/reactions`, { client_msg_id: randomUUID(), emoji: '👍' });
    expect(removed.body.message.reaction).toEqual({ emoji: '👍', action: 'remove', count: 1 });
    expect((await op(carol.accessToken, 'DELETE', `/messages/${original.seq}/reactions`, { client_msg_id: randomUUID(), emoji: '👍' })).status).toBe(404);
    expect((await op(carol.accessToken, 'POST', `/messages/${original.seq}/reactions`, { client_msg_id: randomUUID(), emoji: 'two words' })).status).toBe(400);

    // Replies: reply_to must name a message of the conversation; the replies endpoint lists them.
    const reply = await op(carol.accessToken, 'POST', '/messages', { client_msg_id: randomUUID(), body: { text: 'a reply' }, reply_to: original.seq });
    expect(reply.status).toBe(201);
    expect(reply.body.message.reply_to).toBe(original.seq);
    const bad = await op(carol.accessToken, 'POST', '/messages', { client_msg_id: randomUUID(), body: { text: 'to nothing' }, reply_to: 999_999 });
    expect({ status: bad.status, code: bad.body.error.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    const wsReplyId = randomUUID();
    carolWs.send({ type: 'send', conversation_id: group.id, client_msg_id: wsReplyId, body: { text: 'to an entry' }, reply_to: edited.body.message.seq });
    const refused = await carolWs.waitFor<ErrorFrame>((f) => f.type === 'error' && f.client_msg_id === wsReplyId, 'reply_to an entry refused');
    expect(refused.code).toBe('VALIDATION_FAILED');
    const replies = await rest<HistoryPage>(baseUrl, 'GET', `/v1/conversations/${group.id}/messages/${original.seq}/replies?limit=10`, { token: bob.accessToken });
    expect(replies.body.messages.map((m) => m.seq)).toEqual([reply.body.message.seq]);
    expect((await rest(baseUrl, 'GET', `/v1/conversations/${group.id}/messages/${original.seq}/replies`, { token: mallory.accessToken })).status).toBe(404);

    // The original of an edit: admins only.
    const revisions = await rest<{ revisions: Array<{ text: string }> }>(baseUrl, 'GET', `/v1/conversations/${group.id}/messages/${original.seq}/revisions`, { token: alice.accessToken });
    expect(revisions.body.revisions.map((r) => r.text)).toEqual([expect.stringContaining('original text')]);
    expect((await rest(baseUrl, 'GET', `/v1/conversations/${group.id}/messages/${original.seq}/revisions`, { token: bob.accessToken })).status).toBe(403);

    // Unread counts only messages: after carol's marker come an edit, three reactions and one reply.
    await rest(baseUrl, 'POST', `/v1/conversations/${group.id}/read`, { token: carol.accessToken, json: { seq: other.seq } });
    expect((await getConversation(baseUrl, carol.accessToken, group.id)).me.unread_count).toBe(1);
    expect((await getConversation(baseUrl, bob.accessToken, group.id)).me.unread_count).toBe(3);
    // A marker may point at any seq, an entry's too.
    await rest(baseUrl, 'POST', `/v1/conversations/${group.id}/read`, { token: carol.accessToken, json: { seq: removed.body.message.seq } });
    expect((await getConversation(baseUrl, carol.accessToken, group.id)).me).toMatchObject({ last_read_seq: removed.body.message.seq, unread_count: 1 });

    // Delete: not another member; the admin may; the body (and its edit's text) is gone from history.
    expect((await op(carol.accessToken, 'DELETE', `/messages/${original.seq}`, { client_msg_id: randomUUID() })).body.error.code).toBe('FORBIDDEN');
    const deleted = await op(alice.accessToken, 'DELETE', `/messages/${original.seq}`, { client_msg_id: randomUUID() });
    expect(deleted.status).toBe(201);
    expect(deleted.body.message).toMatchObject({ kind: 'delete', target_seq: original.seq });
    expect((await op(bob.accessToken, 'PATCH', `/messages/${original.seq}`, { client_msg_id: randomUUID(), body: { text: 'too late' } })).status).toBe(404);
    const history = await rest<HistoryPage>(baseUrl, 'GET', `/v1/conversations/${group.id}/messages?limit=100`, { token: bob.accessToken });
    const tomb = history.body.messages.find((m) => m.seq === original.seq) as WireMessage;
    expect(tomb).toMatchObject({ body: { text: '' }, deleted_by: alice.user.id });
    expect(tomb.reactions).toBeUndefined();
    expect(history.text).not.toContain('original text');
    expect(history.text).not.toContain('edited text');
    expect((await rest<{ revisions: unknown[] }>(baseUrl, 'GET', `/v1/conversations/${group.id}/messages/${original.seq}/revisions`, { token: alice.accessToken })).body.revisions).toEqual([]);
    const stored = await storedBodies(group.id); // the mesh's Cassandra rows themselves (null on standalone)
    if (stored !== null) {
      expect(stored.length).toBe(history.body.messages.length);
      expect(stored.join('\n')).not.toMatch(/original text|edited text/);
    }

    // A socket that syncs from 0 gets every entry in seq order; the checker reads the whole stream back.
    const late = await makeWs(wsUrl, carol.accessToken, { checker, clientId: 'carol-late' });
    sockets.push(late);
    const synced = await late.sync(group.id, 0);
    expect(synced.messages.map((m) => m.seq)).toEqual(history.body.messages.map((m) => m.seq));
    checker.expectCompleteDelivery(group.id, ['bob', 'carol']);
    await bobWs.waitForSeq(group.id, deleted.body.message.seq);
    await carolWs.waitForSeq(group.id, deleted.body.message.seq);
    await checker.verify();
  });

  e2eTest('reactions are rate limited per user (429 with Retry-After) and bad input is a 400', async () => {
    const { baseUrl } = parley.current;
    const alice = await registerUser(baseUrl, 'alice');
    const group = await createGroup(baseUrl, alice.accessToken, 'rate', []);
    const sent = await rest<Answer>(baseUrl, 'POST', `/v1/conversations/${group.id}/messages`, { token: alice.accessToken, json: { client_msg_id: randomUUID(), body: { text: 'react to me' } } });
    const path = `/v1/conversations/${group.id}/messages/${sent.body.message.seq}/reactions`;
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => rest<Answer>(baseUrl, 'POST', path, { token: alice.accessToken, json: { client_msg_id: randomUUID(), emoji: `:e${i}:` } })));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThan(0);
    const limited = answers.find((a) => a.status === 429);
    expect(limited?.body.error.code).toBe('RATE_LIMITED');
    expect(statuses.every((s) => s === 201 || s === 429)).toBe(true);
    for (const [method, p, json] of [
      ['PATCH', `/v1/conversations/${group.id}/messages/0`, { client_msg_id: 'a', body: { text: 'x' } }],
      ['PATCH', `/v1/conversations/${group.id}/messages/abc`, { client_msg_id: 'a', body: { text: 'x' } }],
      ['PATCH', `/v1/conversations/${group.id}/messages/1`, { body: { text: 'x' } }],
      ['DELETE', `/v1/conversations/${group.id}/messages/1`, {}],
      ['GET', `/v1/conversations/${group.id}/messages/1/replies?limit=0`, undefined],
    ] as const) {
      const res = await rest<WireError>(baseUrl, method, p, { token: alice.accessToken, json });
      expect({ method, p, status: res.status, code: res.body?.error?.code }).toEqual({ method, p, status: 400, code: 'VALIDATION_FAILED' });
    }
    expect((await rest<WireError>(baseUrl, 'PATCH', `/v1/conversations/${group.id}/messages/999`, { token: alice.accessToken, json: { client_msg_id: 'a', body: { text: 'x' } } })).status).toBe(404);
  });

  e2eTest('the SDK edits, reacts, replies and deletes over the socket and over REST', async () => {
    const { baseUrl, wsUrl } = parley.current;
    const checker = new HistoryChecker(baseUrl);
    const [alice, bob] = await Promise.all(['alice', 'bob'].map((p) => registerUser(baseUrl, p)));
    const group = await createGroup(baseUrl, alice.accessToken, 'sdk', [bob.user.id]);
    checker.addReader(group.id, alice.accessToken);
    const bobSdk = sdkClient(wsUrl, async () => bob.accessToken, { checker, clientId: 'bob-sdk', userId: bob.user.id });
    const aliceRest = new ParleyRest({ baseUrl, getAccessToken: () => alice.accessToken });
    try {
      await bobSdk.client.connect();
      bobSdk.client.trackConversation(group.id, 0);
      const first = await bobSdk.client.send(group.id, 'from the sdk');
      const edit = await bobSdk.client.edit(group.id, first.seq, 'edited by the sdk');
      const reply = await bobSdk.client.send(group.id, 'a reply', { replyTo: first.seq });
      const reaction = await aliceRest.react(group.id, first.seq, randomUUID(), ':tada:');
      expect(reaction).toMatchObject({ created: true, message: { kind: 'reaction', reaction: { emoji: ':tada:', count: 1 } } });
      await expect(bobSdk.client.edit(group.id, edit.seq, 'an entry is no message')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(aliceRest.editMessage(group.id, first.seq, randomUUID(), 'not mine')).rejects.toBeInstanceOf(ParleyApiError);
      expect((await aliceRest.replies(group.id, first.seq)).messages.map((m) => m.seq)).toEqual([reply.seq]);
      expect((await aliceRest.revisions(group.id, first.seq)).revisions.map((r) => r.text)).toEqual(['from the sdk']);
      const bobReaction = await bobSdk.client.react(group.id, first.seq, ':tada:', 'add');
      const deleted = await bobSdk.client.deleteMessage(group.id, first.seq);
      await waitUntil(() => bobSdk.delivered.some((m) => m.seq === deleted.seq));
      expect(bobSdk.delivered.map((m) => m.seq)).toEqual([first.seq, edit.seq, reply.seq, reaction.message.seq, bobReaction.seq, deleted.seq]);
      expect(bobSdk.delivered.map((m) => m.kind ?? 'message')).toEqual(['message', 'edit', 'message', 'reaction', 'reaction', 'delete']);
      const history = await aliceRest.history(group.id);
      expect(history.messages[0]).toMatchObject({ body: { text: '' }, deleted_by: bob.user.id });
      checker.expectCompleteDelivery(group.id, ['bob-sdk:app']);
      await checker.verify();
    } finally {
      bobSdk.client.close();
    }
  });
});

async function waitUntil(done: () => boolean, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
