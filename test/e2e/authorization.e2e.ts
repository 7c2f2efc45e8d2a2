import type { WireMember } from '../support/contract';
import { rest, restOk } from '../support/rest';
import { e2eTest, useParley } from '../support/suite';
import { closeAll, createDirect, createGroup, makeWs, registerUser } from '../support/users';
import { sleep } from '../support/wait';
import type { TestSocket } from '../support/ws-client';

const parley = useParley();

describe('authorization holes closed (issue 8)', () => {
  const sockets: TestSocket[] = [];
  afterEach(() => closeAll(sockets.splice(0)));

  e2eTest('a group always keeps an admin: when the last admin leaves, the longest-standing member becomes admin', async () => {
    const { baseUrl } = parley.current;
    const [owner, first, second] = [await registerUser(baseUrl, 'owner'), await registerUser(baseUrl, 'first'), await registerUser(baseUrl, 'second')];
    const group = await createGroup(baseUrl, owner.accessToken, 'keeps an admin', [first.user.id]);
    await restOk(baseUrl, 'POST', `/v1/conversations/${group.id}/members`, 200, { token: owner.accessToken, json: { user_ids: [second.user.id] } });
    await restOk(baseUrl, 'DELETE', `/v1/conversations/${group.id}/members/${owner.user.id}`, 204, { token: owner.accessToken });
    const { members } = await restOk<{ members: WireMember[] }>(baseUrl, 'GET', `/v1/conversations/${group.id}/members`, 200, { token: first.accessToken });
    expect(members.map((m) => [m.user_id, m.role])).toEqual([
      [first.user.id, 'admin'],
      [second.user.id, 'member'],
    ]);
    // The new admin can manage the group.
    await restOk(baseUrl, 'DELETE', `/v1/conversations/${group.id}/members/${second.user.id}`, 204, { token: first.accessToken });
  });

  e2eTest("presence is visible only to people who share a conversation with the user (a stranger gets the unknown user's 404)", async () => {
    const { baseUrl } = parley.current;
    const [alice, friend, stranger] = [await registerUser(baseUrl, 'alice'), await registerUser(baseUrl, 'friend'), await registerUser(baseUrl, 'stranger')];
    await createGroup(baseUrl, alice.accessToken, 'shared', [friend.user.id]);
    await restOk(baseUrl, 'GET', `/v1/users/${alice.user.id}/presence`, 200, { token: friend.accessToken });
    await restOk(baseUrl, 'GET', `/v1/users/${alice.user.id}/presence`, 200, { token: alice.accessToken });
    const res = await rest(baseUrl, 'GET', `/v1/users/${alice.user.id}/presence`, { token: stranger.accessToken });
    const unknown = await rest(baseUrl, 'GET', '/v1/users/no-such-user/presence', { token: stranger.accessToken });
    expect({ status: res.status, body: res.body }).toEqual({ status: unknown.status, body: unknown.body });
    expect(res.status).toBe(404);
  });

  e2eTest('presence frames about a former direct partner stop once the conversation is left', async () => {
    const { baseUrl, wsUrl } = parley.current;
    const [alice, bob] = [await registerUser(baseUrl, 'alice'), await registerUser(baseUrl, 'bob')];
    const direct = await createDirect(baseUrl, alice.accessToken, bob.user.id);
    const bobWs = await makeWs(wsUrl, bob.accessToken, { clientId: 'bob' });
    sockets.push(bobWs);
    const aboutAlice = () => bobWs.frames.filter((f) => f.type === 'presence' && (f as { user_id?: string }).user_id === alice.user.id);

    // The control: while they share the direct conversation, Bob sees Alice come online.
    const first = await makeWs(wsUrl, alice.accessToken, { clientId: 'alice' });
    await bobWs.waitFor((f) => f.type === 'presence' && (f as { user_id?: string; status?: string }).user_id === alice.user.id && (f as { status?: string }).status === 'online', 'alice online');
    await first.close();
    await bobWs.waitFor((f) => f.type === 'presence' && (f as { user_id?: string; status?: string }).user_id === alice.user.id && (f as { status?: string }).status === 'offline', 'alice offline');

    await restOk(baseUrl, 'DELETE', `/v1/conversations/${direct.id}/members/${bob.user.id}`, 204, { token: bob.accessToken });
    await bobWs.waitFor((f) => f.type === 'conversation' && (f as { event?: string }).event === 'removed', 'removed frame');
    const seen = aboutAlice().length;
    const again = await makeWs(wsUrl, alice.accessToken, { clientId: 'alice-again' });
    sockets.push(again);
    await again.close();
    // Presence events take the same path as the control's, which arrived well within this wait.
    await sleep(3000);
    expect(aboutAlice().length).toBe(seen);
  });
});
