/**
 * Issue 14 item 2: anonymous participants (docs/adr/0016-anonymous-participants.md), on standalone
 * and (PARLEY_E2E_TARGET=mesh) on the mesh. Members of an anonymous group see only pseudonyms in
 * history, live frames, typing, read frames, member lists and search; presence is never shared
 * through an anonymous membership; the pseudonym survives a rejoin within the window and not after
 * it; a ban lands on the user behind it; only the operator endpoint on the admin port resolves it.
 */
import { randomUUID } from 'node:crypto';
import { rest } from '../support/rest';
import { e2eTest, useParley } from '../support/suite';
import { closeAll, makeWs, registerUser, type TestUser } from '../support/users';
import type { TestSocket } from '../support/ws-client';

const WINDOW_S = 3;
const parley = useParley({ env: { PARLEY_ANON_REJOIN_WINDOW_S: String(WINDOW_S) } });
const PID = /^p-[a-z2-7]{16}$/;

interface Conv {
  id: string;
  anonymous?: string;
  me: { participant_id?: string; role: string };
}
interface Member {
  user_id?: string;
  participant_id?: string;
  display_name?: string;
  role: string;
}

describe('anonymous participants (issue 14.2)', () => {
  const sockets: TestSocket[] = [];
  afterEach(() => closeAll(sockets.splice(0)));

  e2eTest('pseudonyms everywhere, rejoin window, bans, presence, operator lookup', async () => {
    const { baseUrl, wsUrl } = parley.current;
    const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((p) => registerUser(baseUrl, p)));
    const call = <T = unknown>(u: TestUser, method: string, path: string, json?: unknown) => rest<T>(baseUrl, method, path, { token: u.accessToken, ...(json === undefined ? {} : { json }) });

    // Bad input: 4xx, never 500.
    expect((await call(alice, 'POST', '/v1/conversations', { type: 'group', title: 'x', member_ids: [], anonymous: 'yes' })).status).toBe(400);
    const plain = await call<Conv>(alice, 'POST', '/v1/conversations', { type: 'group', title: 'plain', member_ids: [] });
    expect(plain.status).toBe(201);
    expect(plain.body.anonymous).toBeUndefined();
    expect((await call(alice, 'POST', `/v1/conversations/${plain.body.id}/members`, { user_ids: [bob.user.id], anonymous: true })).status).toBe(400);
    expect((await call(alice, 'POST', `/v1/conversations/${plain.body.id}/members`, { user_ids: [bob.user.id], anonymous: 'true' })).status).toBe(400);

    const created = await call<Conv>(alice, 'POST', '/v1/conversations', { type: 'group', title: 'masks', member_ids: [], anonymous: 'allowed' });
    expect(created.status).toBe(201);
    expect(created.body.anonymous).toBe('allowed');
    const id = created.body.id;
    const added = await call<{ added: string[] }>(alice, 'POST', `/v1/conversations/${id}/members`, { user_ids: [bob.user.id, carol.user.id], anonymous: true });
    expect(added.status).toBe(200);
    const pidOf = async (u: TestUser, conv = id) => (await call<Conv>(u, 'GET', `/v1/conversations/${conv}`)).body.me.participant_id as string;
    const bobPid = await pidOf(bob);
    const carolPid = await pidOf(carol);
    expect(bobPid).toMatch(PID);
    expect(carolPid).toMatch(PID);
    expect(bobPid).not.toBe(carolPid);
    const leaks = (x: unknown) => [bob.user.id, carol.user.id, bob.username, carol.username].filter((s) => JSON.stringify(x).includes(s));

    // Member lists: pseudonyms and generated names only.
    const members = (await call<{ members: Member[] }>(carol, 'GET', `/v1/conversations/${id}/members`)).body.members;
    expect(members).toHaveLength(3);
    expect(members.find((m) => m.participant_id === bobPid)).toMatchObject({ role: 'member', display_name: expect.stringMatching(/^[A-Z][a-z]+ [A-Z][a-z]+ \d{4}$/) });
    expect(members.find((m) => m.user_id === alice.user.id)).toMatchObject({ role: 'admin' });
    expect(leaks(members)).toEqual([]);

    // Live frames, typing and read frames: the pseudonym only.
    const [bobWs, carolWs] = await Promise.all([makeWs(wsUrl, bob.accessToken), makeWs(wsUrl, carol.accessToken)]);
    sockets.push(bobWs, carolWs);
    const word = `quokka${randomUUID().slice(0, 8)}`;
    const ack = await bobWs.sendMessage(id, `hello ${word}`);
    const live = await carolWs.waitForSeq(id, ack.seq);
    expect(live.sender_id).toBe(bobPid);
    bobWs.send({ type: 'typing', conversation_id: id, state: 'start' });
    const typing = await carolWs.waitFor((f) => f.type === 'typing' && f.conversation_id === id, 'typing');
    expect(typing).toMatchObject({ user_id: bobPid, state: 'start' });
    carolWs.send({ type: 'read', conversation_id: id, seq: ack.seq });
    const read = await bobWs.waitFor((f) => f.type === 'read' && f.conversation_id === id, 'read');
    expect(read).toMatchObject({ user_id: carolPid, seq: ack.seq });
    expect(leaks([live, typing, read])).toEqual([]);

    // History and search: stored under the pseudonym.
    const history = (await call<{ messages: Array<{ sender_id: string }> }>(carol, 'GET', `/v1/conversations/${id}/messages`)).body.messages;
    expect(history.map((m) => m.sender_id)).toEqual([bobPid]);
    let found: Array<{ sender_id: string }> = [];
    for (const deadline = Date.now() + 15_000; found.length === 0 && Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      found = (await call<{ messages: Array<{ sender_id: string }> }>(carol, 'GET', `/v1/search/messages?q=${word}`)).body.messages ?? [];
    }
    expect(found.map((m) => m.sender_id)).toEqual([bobPid]);
    expect(leaks([history, found])).toEqual([]);

    // "Is this mine": bob edits his message, carol may not.
    expect((await call(bob, 'PATCH', `/v1/conversations/${id}/messages/${ack.seq}`, { client_msg_id: randomUUID(), body: { text: 'edited' } })).status).toBe(201);
    expect((await call(carol, 'PATCH', `/v1/conversations/${id}/messages/${ack.seq}`, { client_msg_id: randomUUID(), body: { text: 'nope' } })).status).toBe(403);

    // Presence: an anonymous membership never counts as sharing a conversation.
    expect((await call(carol, 'GET', `/v1/users/${bob.user.id}/presence`)).status).toBe(404);
    expect((await call(alice, 'GET', `/v1/users/${bob.user.id}/presence`)).status).toBe(404);
    // A named member cannot be reached by the user id of an anonymous one.
    expect((await call(alice, 'POST', `/v1/conversations/${id}/members/${bob.user.id}/mute`, { duration_seconds: 60 })).status).toBe(404);

    // The same user in two groups: unrelated pseudonyms.
    const other = await call<Conv>(alice, 'POST', '/v1/conversations', { type: 'group', title: 'masks 2', member_ids: [], anonymous: 'allowed' });
    await call(alice, 'POST', `/v1/conversations/${other.body.id}/members`, { user_ids: [bob.user.id], anonymous: true });
    const bobPid2 = await pidOf(bob, other.body.id);
    expect(bobPid2).toMatch(PID);
    expect(bobPid2).not.toBe(bobPid);

    // Rejoin within the window keeps the pseudonym; after it a new one is drawn.
    expect((await call(bob, 'DELETE', `/v1/conversations/${id}/members/${bob.user.id}`)).status).toBe(204);
    await call(alice, 'POST', `/v1/conversations/${id}/members`, { user_ids: [bob.user.id], anonymous: true });
    expect(await pidOf(bob)).toBe(bobPid);
    expect((await call(bob, 'DELETE', `/v1/conversations/${id}/members/${bobPid}`)).status).toBe(204);
    await new Promise((r) => setTimeout(r, (WINDOW_S + 1) * 1000));
    await call(alice, 'POST', `/v1/conversations/${id}/members`, { user_ids: [bob.user.id], anonymous: true });
    const bobPid3 = await pidOf(bob);
    expect(bobPid3).toMatch(PID);
    expect(bobPid3).not.toBe(bobPid);

    // A ban acts on the pseudonym and lands on the user behind it: no way back under a new one.
    const ban = await call<{ ban: { user_id: string } }>(alice, 'POST', `/v1/conversations/${id}/bans`, { user_id: carolPid, reason: 'spam' });
    expect(ban.status).toBe(201);
    expect(ban.body.ban.user_id).toBe(carolPid);
    const back = await call<{ error: { code: string } }>(alice, 'POST', `/v1/conversations/${id}/members`, { user_ids: [carol.user.id], anonymous: true });
    expect(back.status).toBe(403);
    expect(back.body.error.code).toBe('BANNED');
    const bans = await call<{ bans: Array<{ user_id: string }> }>(alice, 'GET', `/v1/conversations/${id}/bans`);
    expect(bans.body.bans.map((x) => x.user_id)).toEqual([carolPid]);
    const audit = await call<{ entries: unknown[] }>(alice, 'GET', `/v1/conversations/${id}/audit`);
    expect(JSON.stringify(audit.body.entries)).toContain(carolPid);
    expect(leaks([bans.body, audit.body])).toEqual([]);

    // The operator endpoint: on the messaging admin port only, reason required and logged.
    const urls = await parley.current.metricsUrls();
    const admin = (urls.standalone ?? urls['messaging-1'] ?? urls.messaging).replace(/\/metrics$/, '');
    const lookup = await fetch(`${admin}/admin/v1/participants/${bobPid}?reason=${encodeURIComponent('abuse report 42')}`);
    expect(lookup.status).toBe(200);
    expect(await lookup.json()).toMatchObject({ participant_id: bobPid, user_id: bob.user.id, conversation_id: id });
    expect((await fetch(`${admin}/admin/v1/participants/${bobPid}`)).status).toBe(400);
    expect((await fetch(`${admin}/admin/v1/participants/${bobPid}?reason=%20`)).status).toBe(400);
    expect((await fetch(`${admin}/admin/v1/participants/not-a-pid?reason=x`)).status).toBe(400);
    expect((await fetch(`${admin}/admin/v1/participants/p-aaaaaaaaaaaaaaaa?reason=x`)).status).toBe(404);
    expect((await rest(baseUrl, 'GET', `/admin/v1/participants/${bobPid}?reason=x`, { token: alice.accessToken })).status).toBe(404);
    expect((await rest(baseUrl, 'GET', `/v1/admin/participants/${bobPid}?reason=x`, { token: alice.accessToken })).status).toBe(404);
  });
});
