import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import type { AuthResult, Presence, WireConversation, WireError, WireUser } from '../support/contract';
import { HistoryChecker } from '../support/history-checker';
import { rest, restOk } from '../support/rest';
import { e2eTest, useParley } from '../support/suite';
import { closeAll, createDirect, createGroup, decodeJwt, getConversation, login, makeWs, registerUser, uniqueUsername } from '../support/users';
import { eventually } from '../support/wait';
import type { TestSocket } from '../support/ws-client';

const parley = useParley();
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** Asserts the contract's error shape and returns the code. */
function expectError(res: { status: number; body: unknown; text: string }, status: number, code: string, label = ''): void {
  const body = res.body as WireError;
  expect({ label, status: res.status, code: body?.error?.code, messageType: typeof body?.error?.message }).toEqual({
    label,
    status,
    code,
    messageType: 'string',
  });
}

describe('REST contract', () => {
  const sockets: TestSocket[] = [];
  afterEach(() => closeAll(sockets.splice(0)));

  e2eTest('health, readiness, metrics and JWKS answer; access tokens carry the contract claims', async () => {
    const { baseUrl, wsUrl } = parley.current;
    expect((await rest(baseUrl, 'GET', '/healthz')).status).toBe(200);
    expect((await rest(baseUrl, 'GET', '/readyz')).status).toBe(200);
    // Metrics are on the admin port only: the public port has no /metrics.
    expect((await rest(baseUrl, 'GET', '/metrics')).status).toBe(404);
    const urls = Object.values(await parley.current.metricsUrls());
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) {
      const metrics = await fetch(url);
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type') ?? '').toMatch(/^text\/plain/);
      expect(await metrics.text()).toMatch(/^# (HELP|TYPE) \w+/m);
    }

    const jwks = await restOk<JSONWebKeySet>(baseUrl, 'GET', '/.well-known/jwks.json', 200);
    expect(Array.isArray(jwks.keys)).toBe(true);
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) {
      expect(typeof key.kid).toBe('string');
      // Public keys only.
      expect(key).not.toHaveProperty('d');
    }

    const user = await registerUser(baseUrl, 'claims');
    const { header } = decodeJwt(user.accessToken);
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid);
    const { payload } = await jwtVerify(user.accessToken, createLocalJWKSet(jwks));
    expect(payload.sub).toBe(user.user.id);
    expect(typeof payload.sid).toBe('string');
    expect(typeof payload.iss).toBe('string');
    expect(payload.aud).toBeDefined();
    expect(typeof payload.jti).toBe('string');
    expect(Number(payload.exp) - Number(payload.iat)).toBeGreaterThan(0);
    expect(Number(payload.exp) - Number(payload.iat)).toBeLessThanOrEqual(15 * 60);

    const checker = new HistoryChecker(baseUrl);
    const ws = await makeWs(wsUrl, user.accessToken, { checker });
    sockets.push(ws);
    expect(ws.hello.session_id).toBe(payload.sid);
    await checker.verify(user.accessToken);
  });

  e2eTest('register, login and their validation', async () => {
    const { baseUrl } = parley.current;
    const username = uniqueUsername('reg');
    const created = await rest<AuthResult>(baseUrl, 'POST', '/v1/auth/register', {
      json: { username, password: 'correct horse', display_name: 'Reg Istered' },
    });
    expect(created.status).toBe(201);
    expect(created.body.user).toMatchObject({ username, display_name: 'Reg Istered' });
    expect(created.body.user.created_at).toMatch(ISO);
    expect(typeof created.body.access_token).toBe('string');
    expect(typeof created.body.refresh_token).toBe('string');
    expect(created.body.expires_in).toBeGreaterThan(0);

    // Taken, whatever the case.
    expectError(await rest(baseUrl, 'POST', '/v1/auth/register', { json: { username: username.toUpperCase(), password: 'another pass' } }), 409, 'CONFLICT', 'upper-case duplicate');
    expectError(await rest(baseUrl, 'POST', '/v1/auth/register', { json: { username, password: 'another pass' } }), 409, 'CONFLICT', 'same duplicate');

    const bad: Array<[string, unknown]> = [
      ['too short', { username: 'ab', password: 'long enough' }],
      ['too long', { username: 'a'.repeat(33), password: 'long enough' }],
      ['a space', { username: 'has space', password: 'long enough' }],
      ['a slash', { username: 'a/b/c', password: 'long enough' }],
      ['non-ASCII', { username: 'j\u00f6rg_x', password: 'long enough' }],
      ['a short password', { username: uniqueUsername('pw'), password: 'seven77' }],
      ['a password over 256', { username: uniqueUsername('pw'), password: 'p'.repeat(257) }],
      ['no password', { username: uniqueUsername('pw') }],
      ['a numeric username', { username: 12345, password: 'long enough' }],
      ['not an object', ['alice', 'password']],
    ];
    for (const [label, json] of bad) {
      expectError(await rest(baseUrl, 'POST', '/v1/auth/register', { json }), 400, 'VALIDATION_FAILED', label);
    }

    const loggedIn = await rest<AuthResult>(baseUrl, 'POST', '/v1/auth/login', { json: { username, password: 'correct horse' } });
    expect(loggedIn.status).toBe(200);
    expect(loggedIn.body.user.id).toBe(created.body.user.id);
    const wrong = await rest(baseUrl, 'POST', '/v1/auth/login', { json: { username, password: 'wrong horse' } });
    expectError(wrong, 401, 'UNAUTHENTICATED', 'bad password');
    const nobody = await rest(baseUrl, 'POST', '/v1/auth/login', { json: { username: uniqueUsername('nobody'), password: 'wrong horse' } });
    expectError(nobody, 401, 'UNAUTHENTICATED', 'unknown user');
    // The answer does not tell an unknown user from a wrong password.
    expect((nobody.body as WireError).error.message).toBe((wrong.body as WireError).error.message);

    const me = await restOk<WireUser>(baseUrl, 'GET', '/v1/me', 200, { token: loggedIn.body.access_token });
    expect(me).toEqual(created.body.user);
    expectError(await rest(baseUrl, 'GET', '/v1/me'), 401, 'UNAUTHENTICATED', 'no token');
    expectError(await rest(baseUrl, 'GET', '/v1/me', { token: 'garbage' }), 401, 'UNAUTHENTICATED', 'garbage token');
  });

  e2eTest('malformed and oversized bodies are 400 and 413, never 500', async () => {
    const { baseUrl } = parley.current;
    const alice = await registerUser(baseUrl, 'alice');
    const bob = await registerUser(baseUrl, 'bob');
    const conv = await createDirect(baseUrl, alice.accessToken, bob.user.id);
    const checker = new HistoryChecker(baseUrl);
    checker.addReader(conv.id, alice.accessToken);

    expectError(await rest(baseUrl, 'POST', '/v1/auth/register', { raw: '{"username": "x", ' }), 400, 'VALIDATION_FAILED', 'register');
    expectError(await rest(baseUrl, 'POST', '/v1/auth/login', { raw: 'not json' }), 400, 'VALIDATION_FAILED', 'login');
    expectError(await rest(baseUrl, 'POST', '/v1/conversations', { token: alice.accessToken, raw: '{' }), 400, 'VALIDATION_FAILED', 'conversations');
    expectError(
      await rest(baseUrl, 'POST', `/v1/conversations/${conv.id}/messages`, { token: alice.accessToken, raw: '{"client_msg_id": 1,,}' }),
      400,
      'VALIDATION_FAILED',
      'messages',
    );
    expectError(
      await rest(baseUrl, 'POST', `/v1/conversations/${conv.id}/messages`, { token: alice.accessToken, json: { client_msg_id: randomUUID(), body: { text: 'x'.repeat(4001) } } }),
      400,
      'VALIDATION_FAILED',
      'text over 4000',
    );
    expectError(
      await rest(baseUrl, 'POST', `/v1/conversations/${conv.id}/messages`, { token: alice.accessToken, json: { client_msg_id: randomUUID(), body: {} } }),
      400,
      'VALIDATION_FAILED',
      'no text',
    );
    expectError(
      await rest(baseUrl, 'POST', `/v1/conversations/${conv.id}/read`, { token: alice.accessToken, json: { seq: 'x' } }),
      400,
      'VALIDATION_FAILED',
      'read seq',
    );

    // Over 16 KiB: 413, whatever the route.
    const huge = JSON.stringify({ client_msg_id: randomUUID(), body: { text: 'x'.repeat(17 * 1024) } });
    expectError(await rest(baseUrl, 'POST', `/v1/conversations/${conv.id}/messages`, { token: alice.accessToken, raw: huge }), 413, 'PAYLOAD_TOO_LARGE', 'messages');
    expectError(
      await rest(baseUrl, 'POST', '/v1/auth/register', { raw: JSON.stringify({ username: uniqueUsername('big'), password: 'p'.repeat(17 * 1024) }) }),
      413,
      'PAYLOAD_TOO_LARGE',
      'register',
    );

    // History query validation.
    for (const query of ['limit=0', 'limit=101', 'after_seq=abc', 'limit=ten']) {
      expectError(await rest(baseUrl, 'GET', `/v1/conversations/${conv.id}/messages?${query}`, { token: alice.accessToken }), 400, 'VALIDATION_FAILED', query);
    }

    // Nothing above was stored; the conversation still works.
    const ok = await restOk<{ message: { seq: number } }>(baseUrl, 'POST', `/v1/conversations/${conv.id}/messages`, 201, {
      token: alice.accessToken,
      json: { client_msg_id: randomUUID(), body: { text: 'x'.repeat(4000) } },
    });
    expect(ok.message.seq).toBe(1);
    await checker.verify();
  });

  e2eTest('refresh rotates; presenting a rotated token revokes the session', async () => {
    const { baseUrl } = parley.current;
    const user = await registerUser(baseUrl, 'rot');
    const r1 = await restOk<AuthResult>(baseUrl, 'POST', '/v1/auth/refresh', 200, { json: { refresh_token: user.refreshToken } });
    expect(r1.user.id).toBe(user.user.id);
    expect(r1.refresh_token).not.toBe(user.refreshToken);
    expect((await rest(baseUrl, 'GET', '/v1/me', { token: r1.access_token })).status).toBe(200);
    const r2 = await restOk<AuthResult>(baseUrl, 'POST', '/v1/auth/refresh', 200, { json: { refresh_token: r1.refresh_token } });

    // The original token was rotated away: presenting it again is reuse.
    expectError(await rest(baseUrl, 'POST', '/v1/auth/refresh', { json: { refresh_token: user.refreshToken } }), 401, 'UNAUTHENTICATED', 'reused token');
    // ... which revoked the whole session, so even its newest token is dead.
    expectError(await rest(baseUrl, 'POST', '/v1/auth/refresh', { json: { refresh_token: r2.refresh_token } }), 401, 'UNAUTHENTICATED', 'newest after reuse');

    // Another session of the same user is not affected.
    const other = await login(baseUrl, user.username, user.password);
    expect((await rest(baseUrl, 'POST', '/v1/auth/refresh', { json: { refresh_token: other.refresh_token } })).status).toBe(200);

    expectError(await rest(baseUrl, 'POST', '/v1/auth/refresh', { json: { refresh_token: 'made-up' } }), 401, 'UNAUTHENTICATED', 'unknown token');
    expectError(await rest(baseUrl, 'POST', '/v1/auth/refresh', { json: {} }), 400, 'VALIDATION_FAILED', 'no token');
  });

  e2eTest("logout answers 204, revokes the session's refresh tokens and closes its sockets with 4401", async () => {
    const { baseUrl, wsUrl } = parley.current;
    const checker = new HistoryChecker(baseUrl);
    const user = await registerUser(baseUrl, 'bye');
    const friend = await registerUser(baseUrl, 'friend');
    const conv = await createDirect(baseUrl, friend.accessToken, user.user.id);
    checker.addReader(conv.id, friend.accessToken);
    const otherSession = await login(baseUrl, user.username, user.password);
    const doomed = await makeWs(wsUrl, user.accessToken, { checker, clientId: 'doomed' });
    const survivor = await makeWs(wsUrl, otherSession.access_token, { checker, clientId: 'survivor' });
    sockets.push(doomed, survivor);
    expect(doomed.hello.session_id).not.toBe(survivor.hello.session_id);

    const out = await rest(baseUrl, 'POST', '/v1/auth/logout', { token: user.accessToken });
    expect(out.status).toBe(204);
    expect(out.text).toBe('');
    const closed = await doomed.closed;
    expect(closed.code).toBe(4401);

    expectError(await rest(baseUrl, 'POST', '/v1/auth/refresh', { json: { refresh_token: user.refreshToken } }), 401, 'UNAUTHENTICATED', 'refresh after logout');
    // The other session lives on and still receives messages.
    await survivor.ping();
    const friendWs = await makeWs(wsUrl, friend.accessToken, { checker, clientId: 'friend' });
    sockets.push(friendWs);
    await friendWs.sendMessage(conv.id, 'still there?');
    await survivor.waitForSeq(conv.id, 1);
    expect(doomed.messages(conv.id)).toEqual([]);
    expect((await rest(baseUrl, 'POST', '/v1/auth/refresh', { json: { refresh_token: otherSession.refresh_token } })).status).toBe(200);
    expect((await rest(baseUrl, 'POST', '/v1/auth/logout')).status).toBe(401);
    checker.expectCompleteDelivery(conv.id, ['survivor', 'friend']);
    await checker.verify();
  });

  e2eTest('conversations: direct is unique per pair, group validation, admin rights, members', async () => {
    const { baseUrl, wsUrl } = parley.current;
    const checker = new HistoryChecker(baseUrl);
    const alice = await registerUser(baseUrl, 'alice');
    const bob = await registerUser(baseUrl, 'bob');
    const carol = await registerUser(baseUrl, 'carol');
    const dan = await registerUser(baseUrl, 'dan');

    const first = await rest<WireConversation>(baseUrl, 'POST', '/v1/conversations', { token: alice.accessToken, json: { type: 'direct', member_ids: [bob.user.id] } });
    expect(first.status).toBe(201);
    const again = await rest<WireConversation>(baseUrl, 'POST', '/v1/conversations', { token: alice.accessToken, json: { type: 'direct', member_ids: [bob.user.id] } });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const fromBob = await rest<WireConversation>(baseUrl, 'POST', '/v1/conversations', { token: bob.accessToken, json: { type: 'direct', member_ids: [alice.user.id] } });
    expect(fromBob.status).toBe(200);
    expect(fromBob.body.id).toBe(first.body.id);

    expectError(
      await rest(baseUrl, 'POST', '/v1/conversations', { token: alice.accessToken, json: { type: 'group', title: 'ghosts', member_ids: [bob.user.id, randomUUID()] } }),
      400,
      'VALIDATION_FAILED',
      'unknown member',
    );
    expectError(
      await rest(baseUrl, 'POST', '/v1/conversations', { token: alice.accessToken, json: { type: 'channel', member_ids: [bob.user.id] } }),
      400,
      'VALIDATION_FAILED',
      'unknown type',
    );

    const group = await createGroup(baseUrl, alice.accessToken, 'team', [bob.user.id]);
    checker.addReader(group.id, alice.accessToken);
    expect(group).toMatchObject({ type: 'group', title: 'team', member_count: 2, me: { role: 'admin' } });
    expect((await getConversation(baseUrl, bob.accessToken, group.id)).me.role).toBe('member');

    // Bob is not an admin.
    expectError(
      await rest(baseUrl, 'POST', `/v1/conversations/${group.id}/members`, { token: bob.accessToken, json: { user_ids: [carol.user.id] } }),
      403,
      'FORBIDDEN',
      'non-admin add',
    );
    expectError(await rest(baseUrl, 'DELETE', `/v1/conversations/${group.id}/members/${alice.user.id}`, { token: bob.accessToken }), 403, 'FORBIDDEN', 'non-admin remove');

    // Carol is online when Alice adds her: she is told, and receives the group's next message.
    const carolWs = await makeWs(wsUrl, carol.accessToken, { checker, clientId: 'carol' });
    sockets.push(carolWs);
    const added = await restOk<{ added: string[] }>(baseUrl, 'POST', `/v1/conversations/${group.id}/members`, 200, {
      token: alice.accessToken,
      json: { user_ids: [carol.user.id, dan.user.id] },
    });
    expect([...added.added].sort()).toEqual([carol.user.id, dan.user.id].sort());
    const event = await carolWs.waitFor((f) => f.type === 'conversation' && f.event === 'added', 'conversation added');
    expect(event.conversation).toMatchObject({ id: group.id, type: 'group' });
    expect((await getConversation(baseUrl, carol.accessToken, group.id)).member_count).toBe(4);
    const msg = await restOk<{ message: { seq: number } }>(baseUrl, 'POST', `/v1/conversations/${group.id}/messages`, 201, {
      token: alice.accessToken,
      json: { client_msg_id: randomUUID(), body: { text: 'welcome' } },
    });
    await carolWs.waitForSeq(group.id, msg.message.seq);
    expectError(
      await rest(baseUrl, 'POST', `/v1/conversations/${group.id}/members`, { token: alice.accessToken, json: { user_ids: [randomUUID()] } }),
      400,
      'VALIDATION_FAILED',
      'add unknown user',
    );

    // Dan leaves by himself; Alice removes Carol, whose socket is told and gets no more messages.
    expect((await rest(baseUrl, 'DELETE', `/v1/conversations/${group.id}/members/${dan.user.id}`, { token: dan.accessToken })).status).toBe(204);
    expect((await rest(baseUrl, 'GET', `/v1/conversations/${group.id}`, { token: dan.accessToken })).status).toBe(404);
    expect((await rest(baseUrl, 'DELETE', `/v1/conversations/${group.id}/members/${carol.user.id}`, { token: alice.accessToken })).status).toBe(204);
    const removed = await carolWs.waitFor((f) => f.type === 'conversation' && f.event === 'removed', 'conversation removed');
    expect(removed.conversation).toMatchObject({ id: group.id });
    expect((await getConversation(baseUrl, alice.accessToken, group.id)).member_count).toBe(2);
    const after = await restOk<{ message: { seq: number } }>(baseUrl, 'POST', `/v1/conversations/${group.id}/messages`, 201, {
      token: bob.accessToken,
      json: { client_msg_id: randomUUID(), body: { text: 'carol is gone' } },
    });
    expect(after.message.seq).toBe(msg.message.seq + 1);
    await carolWs.ping();
    expect(carolWs.messages(group.id).map((m) => m.seq)).toEqual([msg.message.seq]);

    // Listing: most recently active first, paged by cursor.
    const listed: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const query: string = cursor === null ? '?limit=1' : `?limit=1&cursor=${encodeURIComponent(cursor)}`;
      const res: { conversations: WireConversation[]; next_cursor: string | null } = await restOk(baseUrl, 'GET', `/v1/conversations${query}`, 200, {
        token: alice.accessToken,
      });
      expect(res.conversations.length).toBeLessThanOrEqual(1);
      listed.push(...res.conversations.map((c) => c.id));
      cursor = res.next_cursor;
      if (cursor === null) break;
    }
    expect(listed).toEqual([group.id, first.body.id]);

    await checker.verify();
  });

  e2eTest('users and presence', async () => {
    const { baseUrl, wsUrl } = parley.current;
    const checker = new HistoryChecker(baseUrl);
    const alice = await registerUser(baseUrl, 'alice');
    const bob = await registerUser(baseUrl, 'bob');
    const conv = await createDirect(baseUrl, alice.accessToken, bob.user.id);
    checker.addReader(conv.id, alice.accessToken);

    expect(await restOk<WireUser>(baseUrl, 'GET', `/v1/users/${bob.user.id}`, 200, { token: alice.accessToken })).toEqual(bob.user);
    expectError(await rest(baseUrl, 'GET', `/v1/users/${randomUUID()}`, { token: alice.accessToken }), 404, 'NOT_FOUND', 'unknown user');

    const presencePath = `/v1/users/${bob.user.id}/presence`;
    const before = await restOk<Presence>(baseUrl, 'GET', presencePath, 200, { token: alice.accessToken });
    expect(before).toMatchObject({ user_id: bob.user.id, status: 'offline' });

    const aliceWs = await makeWs(wsUrl, alice.accessToken, { checker, clientId: 'alice' });
    sockets.push(aliceWs);
    const bobWs = await makeWs(wsUrl, bob.accessToken, { checker, clientId: 'bob' });
    const bobPhone = await makeWs(wsUrl, bob.accessToken, { checker, clientId: 'bob-phone' });
    await eventually('Bob is online', async () => {
      expect(await restOk<Presence>(baseUrl, 'GET', presencePath, 200, { token: alice.accessToken })).toMatchObject({ status: 'online' });
    });
    const onlineFrame = await aliceWs.waitFor((f) => f.type === 'presence' && f.user_id === bob.user.id && f.status === 'online', 'presence online');
    expect(onlineFrame).toMatchObject({ type: 'presence', user_id: bob.user.id, status: 'online' });

    // Both of Bob's sockets receive Alice's message.
    await aliceWs.sendMessage(conv.id, 'are you online?');
    await Promise.all([bobWs, bobPhone].map((s) => s.waitForSeq(conv.id, 1)));

    // Online while at least one socket is open.
    await bobWs.close();
    await bobPhone.ping();
    expect(await restOk<Presence>(baseUrl, 'GET', presencePath, 200, { token: alice.accessToken })).toMatchObject({ status: 'online' });

    const closedAt = Date.now();
    await bobPhone.close();
    const offline = await eventually('Bob is offline', async () => {
      const p = await restOk<Presence>(baseUrl, 'GET', presencePath, 200, { token: alice.accessToken });
      expect(p).toMatchObject({ user_id: bob.user.id, status: 'offline' });
      return p;
    });
    expect(offline.last_seen_at).toMatch(ISO);
    // last_seen_at is when the last socket closed: not before the test closed it (1 s for clock rounding).
    expect(Date.parse(offline.last_seen_at ?? '')).toBeGreaterThanOrEqual(closedAt - 1_000);
    const offlineFrame = await aliceWs.waitFor((f) => f.type === 'presence' && f.user_id === bob.user.id && f.status === 'offline', 'presence offline');
    expect(offlineFrame.last_seen_at).toMatch(ISO);
    checker.expectCompleteDelivery(conv.id, ['alice', 'bob', 'bob-phone']);
    await checker.verify();
  });
});
