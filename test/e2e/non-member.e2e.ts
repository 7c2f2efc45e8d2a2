import { randomUUID } from 'node:crypto';
import type { ErrorFrame, WireError } from '../support/contract';
import { HistoryChecker } from '../support/history-checker';
import { rest } from '../support/rest';
import { e2eTest, useParley } from '../support/suite';
import { closeAll, createDirect, createGroup, getConversation, makeWs, registerUser } from '../support/users';
import type { TestSocket } from '../support/ws-client';

const parley = useParley();

describe('a non-member learns nothing and changes nothing', () => {
  const sockets: TestSocket[] = [];
  afterEach(() => closeAll(sockets.splice(0)));

  e2eTest('cannot send, read, sync or even see a conversation', async () => {
    const { baseUrl, wsUrl } = parley.current;
    const checker = new HistoryChecker(baseUrl);
    const alice = await registerUser(baseUrl, 'alice');
    const bob = await registerUser(baseUrl, 'bob');
    const mallory = await registerUser(baseUrl, 'mallory');
    const direct = await createDirect(baseUrl, alice.accessToken, bob.user.id);
    const group = await createGroup(baseUrl, alice.accessToken, 'private', [bob.user.id]);
    checker.addReader(direct.id, alice.accessToken);
    checker.addReader(group.id, alice.accessToken);

    const aliceWs = await makeWs(wsUrl, alice.accessToken, { checker, clientId: 'alice' });
    const bobWs = await makeWs(wsUrl, bob.accessToken, { checker, clientId: 'bob' });
    const malloryWs = await makeWs(wsUrl, mallory.accessToken, { checker, clientId: 'mallory' });
    sockets.push(aliceWs, bobWs, malloryWs);
    await aliceWs.sendMessage(direct.id, 'secret 1');
    await aliceWs.sendMessage(group.id, 'group secret 1');

    const unknownId = randomUUID();
    for (const conv of [direct, group]) {
      // WS send: FORBIDDEN with the client_msg_id, and nothing stored.
      const cmid = malloryWs.sendFrameOnly(conv.id, 'let me in');
      const err = await malloryWs.waitFor<ErrorFrame>((f) => f.type === 'error' && f.client_msg_id === cmid, 'FORBIDDEN error');
      expect(err).toMatchObject({ type: 'error', code: 'FORBIDDEN', client_msg_id: cmid });
      expect(typeof err.message).toBe('string');

      // REST send, history, members, read: 404 as if the conversation did not exist.
      const paths: Array<[string, string, unknown]> = [
        ['POST', `/v1/conversations/${conv.id}/messages`, { client_msg_id: randomUUID(), body: { text: 'let me in' } }],
        ['GET', `/v1/conversations/${conv.id}/messages`, undefined],
        ['GET', `/v1/conversations/${conv.id}/messages?after_seq=0`, undefined],
        ['GET', `/v1/conversations/${conv.id}/members`, undefined],
        ['POST', `/v1/conversations/${conv.id}/read`, { seq: 1 }],
      ];
      for (const [method, path, json] of paths) {
        const res = await rest<WireError>(baseUrl, method, path, { token: mallory.accessToken, json });
        expect({ method, path, status: res.status, code: res.body?.error?.code }).toEqual({ method, path, status: 404, code: 'NOT_FOUND' });
      }

      // GET conversation: the same answer as for an id that does not exist.
      const real = await rest<WireError>(baseUrl, 'GET', `/v1/conversations/${conv.id}`, { token: mallory.accessToken });
      const unknown = await rest<WireError>(baseUrl, 'GET', `/v1/conversations/${unknownId}`, { token: mallory.accessToken });
      expect(real.status).toBe(404);
      expect(unknown.status).toBe(404);
      expect(real.text.split(conv.id).join('<id>')).toBe(unknown.text.split(unknownId).join('<id>'));

      // Sync: an error frame, the same as for an unknown conversation, and no messages.
      const from = malloryWs.frames.length;
      malloryWs.send({ type: 'sync', conversation_id: conv.id, after_seq: 0 });
      const syncErr = await malloryWs.waitFor<ErrorFrame>((f) => f.type === 'error' || f.type === 'sync.done', 'sync error', undefined, from);
      expect(syncErr.type).toBe('error');
      const from2 = malloryWs.frames.length;
      malloryWs.send({ type: 'sync', conversation_id: unknownId, after_seq: 0 });
      const unknownErr = await malloryWs.waitFor<ErrorFrame>((f) => f.type === 'error' || f.type === 'sync.done', 'sync error', undefined, from2);
      expect(unknownErr.type).toBe('error');
      expect(syncErr.code).toBe(unknownErr.code);
      expect(['FORBIDDEN', 'NOT_FOUND']).toContain(syncErr.code);
    }

    // Adding oneself to a conversation one is not in is also a 404 (nothing to learn, nothing to change).
    const selfAdd = await rest<WireError>(baseUrl, 'POST', `/v1/conversations/${group.id}/members`, {
      token: mallory.accessToken,
      json: { user_ids: [mallory.user.id] },
    });
    expect([403, 404]).toContain(selfAdd.status);
    expect((await getConversation(baseUrl, alice.accessToken, group.id)).member_count).toBe(2);

    // The conversations are untouched: the members' next messages take seq 2 and Mallory's socket saw none.
    expect((await aliceWs.sendMessage(direct.id, 'secret 2')).seq).toBe(2);
    expect((await aliceWs.sendMessage(group.id, 'group secret 2')).seq).toBe(2);
    await bobWs.waitForSeq(direct.id, 2);
    await bobWs.waitForSeq(group.id, 2);
    await malloryWs.ping();
    expect(malloryWs.frames.filter((f) => f.type === 'message')).toEqual([]);

    // Mallory's own conversation list does not mention them.
    const list = await rest<{ conversations: Array<{ id: string }> }>(baseUrl, 'GET', '/v1/conversations', { token: mallory.accessToken });
    expect(list.status).toBe(200);
    expect(list.body.conversations.map((c) => c.id)).not.toEqual(expect.arrayContaining([direct.id]));
    expect(list.body.conversations.map((c) => c.id)).not.toEqual(expect.arrayContaining([group.id]));

    checker.expectCompleteDelivery(direct.id, ['alice', 'bob']);
    checker.expectCompleteDelivery(group.id, ['alice', 'bob']);
    await checker.verify();
  });
});
