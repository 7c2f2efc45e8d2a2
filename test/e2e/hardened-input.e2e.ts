import type { WireConversation } from '../support/contract';
import { HistoryChecker } from '../support/history-checker';
import { rest, restOk, type RestResponse } from '../support/rest';
import { e2eTest, useParley } from '../support/suite';
import { closeAll, createDirect, createGroup, makeWs } from '../support/users';
import type { TestSocket } from '../support/ws-client';

// Production limits for sign-in and sign-up (the harness lifts them for the other suites), and the
// client address from x-forwarded-for so that one test machine can act as several addresses.
const parley = useParley({
  env: {
    PARLEY_AUTH_ATTEMPTS_PER_MINUTE: '60',
    PARLEY_REGISTRATIONS_PER_MINUTE: '10',
    PARLEY_LOGIN_FAILURES_PER_ACCOUNT: '5',
    PARLEY_CLIENT_ADDRESS_HEADER: 'x-forwarded-for',
    // Two gateways in the mesh: sign-in limits are shared, so guesses spread over both gain nothing.
    PARLEY_MESH_GATEWAYS: '2',
  },
});

let addressCounter = 0;
/** A fresh client address for each sign-up (the per-address limit is tested on its own); the proxy's entry is the last. */
const fresh = () => ({ 'x-forwarded-for': `10.0.0.1, 198.51.${Math.floor(++addressCounter / 250)}.${addressCounter % 250}` });

async function user(prefix: string) {
  const p = parley.current;
  const username = `${prefix}_${Date.now().toString(36)}_${++addressCounter}`;
  const password = 'correct horse battery';
  const r = await restOk<{ user: { id: string }; access_token: string }>(p.baseUrl, 'POST', '/v1/auth/register', 201, { json: { username, password }, headers: fresh() });
  return { id: r.user.id, token: r.access_token, username, password };
}

function expect400(res: RestResponse, label: string): void {
  const code = (res.body as { error?: { code?: string } } | null)?.error?.code;
  expect({ label, status: res.status, code }).toEqual({ label, status: 400, code: 'VALIDATION_FAILED' });
}

const BAD_TEXT: Record<string, string> = { NUL: 'a\u0000b', 'lone high surrogate': 'x\uD800y', 'lone low surrogate': '\uDC00' };

describe('hardened input (issue 8)', () => {
  const sockets: TestSocket[] = [];
  afterEach(() => closeAll(sockets.splice(0)));

  e2eTest('NUL bytes and unpaired surrogates are a 400 in every text field and path parameter, and an error frame on the socket', async () => {
    const { baseUrl, wsUrl } = parley.current;
    const alice = await user('text');
    const bob = await user('text');
    const conv = await createDirect(baseUrl, alice.token, bob.id);
    const ws = await makeWs(wsUrl, alice.token);
    sockets.push(ws);
    for (const [label, bad] of Object.entries(BAD_TEXT)) {
      const post = (path: string, json: unknown) => rest(baseUrl, 'POST', path, { token: alice.token, json });
      expect400(await post(`/v1/conversations/${conv.id}/messages`, { client_msg_id: 'm1', body: { text: bad } }), `${label} in text`);
      expect400(await post(`/v1/conversations/${conv.id}/messages`, { client_msg_id: bad, body: { text: 'hi' } }), `${label} in client_msg_id`);
      expect400(await post('/v1/conversations', { type: 'group', title: bad, member_ids: [] }), `${label} in title`);
      expect400(await post('/v1/conversations', { type: 'direct', member_ids: [bad] }), `${label} in member id`);
      expect400(await rest(baseUrl, 'POST', '/v1/auth/register', { json: { username: `u${Date.now()}`, password: 'long enough pw', display_name: bad }, headers: fresh() }), `${label} in display_name`);
      const inPath = encodeURIComponent(bad.replace(/[\uD800-\uDFFF]/g, '')) || '%00';
      expect400(await rest(baseUrl, 'GET', `/v1/conversations/${label === 'NUL' ? inPath : 'x%ED%A0%80'}`, { token: alice.token }), `${label} in conversation id`);
      expect400(await rest(baseUrl, 'GET', `/v1/users/${label === 'NUL' ? inPath : 'x%ED%A0%80'}`, { token: alice.token }), `${label} in user id`);
      ws.send({ type: 'send', conversation_id: conv.id, client_msg_id: `bad-${label}`, body: { text: bad } });
      const err = await ws.waitFor((f) => f.type === 'error' && (f as { client_msg_id?: string }).client_msg_id === `bad-${label}`, `error frame for ${label}`);
      expect(err).toMatchObject({ type: 'error', code: 'VALIDATION_FAILED' });
    }
    // Emoji (paired surrogates) are text like any other.
    await restOk(baseUrl, 'POST', `/v1/conversations/${conv.id}/messages`, 201, { token: alice.token, json: { client_msg_id: 'emoji', body: { text: '\u{1F600} ok' } } });
  });

  e2eTest('cursors the store could not use are a 400, not a 500', async () => {
    const { baseUrl } = parley.current;
    const alice = await user('cursor');
    const group = await createGroup(baseUrl, alice.token, 'cursors', []);
    const cursor = (at: string) => Buffer.from(JSON.stringify({ at, id: 'x' })).toString('base64url');
    for (const at of ['1', '2020-02-30', '+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z']) {
      expect400(await rest(baseUrl, 'GET', `/v1/conversations?cursor=${cursor(at)}`, { token: alice.token }), `conversations at=${at}`);
      expect400(await rest(baseUrl, 'GET', `/v1/conversations/${group.id}/members?cursor=${cursor(at)}`, { token: alice.token }), `members at=${at}`);
    }
  });

  e2eTest('password guessing is limited per address and account with Retry-After, on every gateway alike, and the owner still signs in from elsewhere', async () => {
    const { baseUrl } = parley.current;
    const gateways = parley.current.gatewayUrls().map((g) => g.baseUrl);
    expect(gateways.length).toBe((process.env.PARLEY_E2E_TARGET ?? 'standalone') === 'mesh' ? 2 : 1);
    const victim = await user('victim');
    const attacker = { 'x-forwarded-for': '203.0.113.66' };
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 8; i++) {
      // Alternating gateways in the mesh (standalone has one): the limit is the same as on one.
      const r = await rest(gateways[i % gateways.length], 'POST', '/v1/auth/login', { json: { username: victim.username, password: `guess-${i}-wrong` }, headers: attacker });
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers.get('retry-after');
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // The right password from the attacker's address waits too (a guesser learns nothing)...
    expect((await rest(baseUrl, 'POST', '/v1/auth/login', { json: { username: victim.username, password: victim.password }, headers: attacker })).status).toBe(429);
    // ...while the owner, elsewhere, is not locked out.
    await restOk(baseUrl, 'POST', '/v1/auth/login', 200, { json: { username: victim.username, password: victim.password }, headers: { 'x-forwarded-for': '192.0.2.10' } });
  });

  e2eTest('sign-ups are limited per address with Retry-After', async () => {
    const { baseUrl } = parley.current;
    const address = { 'x-forwarded-for': '203.0.113.99' };
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await rest(baseUrl, 'POST', '/v1/auth/register', { json: { username: `burst_${Date.now().toString(36)}_${i}`, password: 'long enough pw' }, headers: address });
      statuses.push(r.status);
      if (r.status === 429) expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(201));
    expect(statuses.slice(10)).toEqual([429, 429]);
  });

  e2eTest("a flood of typing and read frames is limited per socket and per user and never holds up another user's sends", async () => {
    const { baseUrl, wsUrl } = parley.current;
    const checker = new HistoryChecker(baseUrl);
    const flooder = await user('flood');
    const partner = await user('partner');
    const other = await user('other');
    const otherFriend = await user('friend');
    const floodConv = await createDirect(baseUrl, flooder.token, partner.id);
    const quiet: WireConversation = await createDirect(baseUrl, other.token, otherFriend.id);
    checker.addReader(quiet.id, otherFriend.token);
    const [a, b, watcher] = await Promise.all([makeWs(wsUrl, flooder.token), makeWs(wsUrl, flooder.token), makeWs(wsUrl, partner.token)]);
    sockets.push(a, b, watcher);

    const started = Date.now();
    for (let i = 0; i < 10_000; i++) {
      a.send({ type: 'typing', conversation_id: floodConv.id, state: i % 2 ? 'stop' : 'start' });
      b.send({ type: 'typing', conversation_id: floodConv.id, state: i % 2 ? 'stop' : 'start' });
    }
    for (let i = 1; i <= 5; i++) {
      const r = await restOk<{ message: { seq: number; id: string } }>(baseUrl, 'POST', `/v1/conversations/${quiet.id}/messages`, 201, { token: other.token, json: { client_msg_id: `q${i}`, body: { text: `during the flood ${i}` } } });
      checker.recordAck({ conversationId: quiet.id, senderId: other.id, clientMsgId: `q${i}`, seq: r.message.seq, messageId: r.message.id, via: 'rest' });
    }
    await a.ping();
    await b.ping();
    await watcher.ping();
    const elapsedSec = (Date.now() - started) / 1000;
    const typingSeen = watcher.frames.filter((f) => f.type === 'typing').length;
    // Per user: a burst of 40 and 20 a second, across both sockets (PARLEY_SIGNAL_RATE_PER_SECOND 10).
    expect(typingSeen).toBeGreaterThan(0);
    expect(typingSeen).toBeLessThanOrEqual(40 + Math.ceil(20 * elapsedSec) + 1);
    await checker.verify();
  });
});
