import { randomBytes } from 'node:crypto';
import { FakeApnsServer } from '../../libs/adapters/src/testing/push/fake-apns.server';
import { LocalApns, startLocalApns } from '../../libs/adapters/src/testing/push/local-apns';
import type { WireConversation } from '../support/contract';
import { rest, restOk } from '../support/rest';
import { e2eTarget } from '../support/parley-process';
import { e2eTest, useParley } from '../support/suite';
import { createDirect, createGroup, login, registerUser, registerUsers } from '../support/users';
import { sleep } from '../support/wait';

/**
 * Push end to end: Parley (standalone or mesh) runs the real APNs adapter (@parse/node-apn)
 * against a local APNs (HTTP/2 + TLS, a CA made for this run), configured only through settings.
 */
const COALESCE_MS = 1500;
/** Groups above 3 members are large here: only the mentioned are pushed. */
const LARGE_GROUP_THRESHOLD = 3;
let local: LocalApns;
let apns: FakeApnsServer;
const env: Record<string, string> = {};

beforeAll(async () => {
  local = await startLocalApns();
  apns = local.apns;
  Object.assign(env, {
    ...local.env,
    PARLEY_PUSH_APNS_KEY_ID: 'E2EKEY0001',
    PARLEY_PUSH_APNS_TEAM_ID: 'E2ETEAM001',
    PARLEY_PUSH_APNS_TOPIC: 'com.example.parley',
    PARLEY_PUSH_COALESCE_MS: String(COALESCE_MS),
    PARLEY_LARGE_GROUP_THRESHOLD: String(LARGE_GROUP_THRESHOLD),
  });
});
const parley = useParley({ env });
afterAll(() => local.stop());

const deviceToken = () => randomBytes(32).toString('hex');
const pushesTo = (token: string) => apns.requests.filter((r) => r.token === token);
async function waitForPushes(token: string, n: number, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  while (pushesTo(token).length < n) {
    if (Date.now() > until) throw new Error(`expected ${n} pushes to the device, saw ${pushesTo(token).length}`);
    await sleep(50);
  }
  return pushesTo(token);
}

describe('push notifications to offline users', () => {
  e2eTest('three messages to an offline user: one collapsed push with badge 3, a clearing push after the read, nothing when muted, nothing after logout', async () => {
    const { baseUrl } = parley.current;
    const alice = await registerUser(baseUrl, 'alice', { displayName: 'Alice' });
    const bob = await registerUser(baseUrl, 'bob');
    const token = deviceToken();

    // Every field is validated.
    for (const bad of [{}, { platform: 'apns', token: 'zz', app_id: 'com.example.parley' }, { platform: 'apns', token, app_id: 'com.example.parley', sandbox: 'no' }, { platform: 'web', token, app_id: 'x' }]) {
      const r = await rest<{ error: { code: string } }>(baseUrl, 'POST', '/v1/me/devices', { token: bob.accessToken, json: bad });
      expect([r.status, r.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect((await rest(baseUrl, 'POST', '/v1/me/devices', { json: { platform: 'apns', token, app_id: 'com.example.parley' } })).status).toBe(401);

    const registered = await restOk<{ device: Record<string, unknown> }>(baseUrl, 'POST', '/v1/me/devices', 200, {
      token: bob.accessToken,
      json: { platform: 'apns', token, app_id: 'com.example.parley', sandbox: true, locale: 'en-GB' },
    });
    expect(registered.device).toMatchObject({ platform: 'apns', token, app_id: 'com.example.parley', sandbox: true, locale: 'en-GB', current_session: true });
    expect((await restOk<{ devices: unknown[] }>(baseUrl, 'GET', '/v1/me/devices', 200, { token: bob.accessToken })).devices).toHaveLength(1);

    const conv = await createDirect(baseUrl, alice.accessToken, bob.user.id);
    for (const text of ['one', 'two', 'three']) {
      await restOk(baseUrl, 'POST', `/v1/conversations/${conv.id}/messages`, 201, { token: alice.accessToken, json: { client_msg_id: `m-${text}`, body: { text } } });
    }
    const [push] = await waitForPushes(token, 1);
    await sleep(COALESCE_MS + 1000);
    expect(pushesTo(token)).toHaveLength(1);
    expect(push.jwt).toEqual({ kid: 'E2EKEY0001', iss: 'E2ETEAM001' });
    expect(push.headers).toMatchObject({ 'apns-topic': 'com.example.parley', 'apns-push-type': 'alert', 'apns-priority': '10', 'apns-collapse-id': `c:${conv.id}` });
    expect(push.body).toEqual({
      aps: { alert: { title: 'Alice', body: 'three (+2)' }, badge: 3, sound: 'default', 'thread-id': conv.id },
      conversation_id: conv.id,
      seq: '3',
      count: 3,
    });

    // Every process serves its metrics on its admin port (standalone: one for all services).
    if (e2eTarget() === 'standalone') {
      const metrics = await (await fetch((await parley.current.metricsUrls()).standalone)).text();
      expect(metrics).toMatch(/parley_push_sent_total\{[^}]*provider="apns"[^}]*kind="alert"[^}]*outcome="accepted"[^}]*\} [1-9]/);
      expect(metrics).toMatch(/parley_push_persisted_to_accepted_seconds_count\{[^}]*provider="apns"[^}]*\} [1-9]/);
      expect(metrics).toContain('parley_push_outbox_depth');
    }

    // Bob reads (as the page does): a silent push clears the notification and the badge.
    await restOk(baseUrl, 'POST', `/v1/conversations/${conv.id}/read`, 204, { token: bob.accessToken, json: { seq: 3 } });
    const [, clear] = await waitForPushes(token, 2);
    expect(clear.headers).toMatchObject({ 'apns-push-type': 'background', 'apns-priority': '5', 'apns-collapse-id': `c:${conv.id}` });
    expect(clear.body).toEqual({ aps: { badge: 0, 'content-available': 1 }, conversation_id: conv.id, seq: '3', clear: true });

    // Settings: members only, validated; a muted conversation pushes nothing.
    const carol = await registerUser(baseUrl, 'carol');
    expect((await rest(baseUrl, 'PUT', `/v1/conversations/${conv.id}/notifications`, { token: carol.accessToken, json: { level: 'none' } })).status).toBe(404);
    expect((await rest(baseUrl, 'PUT', `/v1/conversations/${conv.id}/notifications`, { token: bob.accessToken, json: { level: 'loud' } })).status).toBe(400);
    const mutedUntil = new Date(Date.now() + 3600_000).toISOString();
    expect(await restOk(baseUrl, 'PUT', `/v1/conversations/${conv.id}/notifications`, 200, { token: bob.accessToken, json: { muted_until: mutedUntil } })).toEqual({
      conversation_id: conv.id,
      level: 'all',
      muted_until: mutedUntil,
    });
    await restOk(baseUrl, 'POST', `/v1/conversations/${conv.id}/messages`, 201, { token: alice.accessToken, json: { client_msg_id: 'm-muted', body: { text: 'muted' } } });
    await sleep(COALESCE_MS + 2000);
    expect(pushesTo(token)).toHaveLength(2);

    // Unmuted, with previews hidden: the push says only "New message".
    await restOk(baseUrl, 'PUT', `/v1/conversations/${conv.id}/notifications`, 200, { token: bob.accessToken, json: { muted_until: null } });
    expect(await restOk(baseUrl, 'PUT', '/v1/me/notification-settings', 200, { token: bob.accessToken, json: { hide_previews: true } })).toEqual({ hide_previews: true });
    await restOk(baseUrl, 'POST', `/v1/conversations/${conv.id}/messages`, 201, { token: alice.accessToken, json: { client_msg_id: 'm-hidden', body: { text: 'secret' } } });
    const pushes = await waitForPushes(token, 3);
    expect(pushes[2].body).toMatchObject({ aps: { alert: { title: 'Alice', body: 'New message' } }, seq: '5' });

    // The device dies with its session.
    await restOk(baseUrl, 'POST', '/v1/auth/logout', 204, { token: bob.accessToken });
    const again = await login(baseUrl, bob.username, bob.password);
    await waitUntil(async () => (await restOk<{ devices: unknown[] }>(baseUrl, 'GET', '/v1/me/devices', 200, { token: again.access_token })).devices.length === 0);
    await restOk(baseUrl, 'POST', `/v1/conversations/${conv.id}/messages`, 201, { token: alice.accessToken, json: { client_msg_id: 'm-after-logout', body: { text: 'gone' } } });
    await sleep(COALESCE_MS + 2000);
    expect(pushesTo(token)).toHaveLength(3);
  });

  e2eTest('in a group above the large-group threshold only the member an @mention names is pushed', async () => {
    const { baseUrl } = parley.current;
    const users = await registerUsers(baseUrl, 'lgpush', 5);
    const [alice, ...others] = users;
    const tokens = others.map(() => deviceToken());
    await Promise.all(
      others.map((u, i) => restOk(baseUrl, 'POST', '/v1/me/devices', 200, { token: u.accessToken, json: { platform: 'apns', token: tokens[i], app_id: 'com.example.parley' } })),
    );
    const group = await createGroup(baseUrl, alice.accessToken, 'Big room', others.map((u) => u.user.id));
    expect(group.member_count).toBeGreaterThan(LARGE_GROUP_THRESHOLD);
    await restOk(baseUrl, 'POST', `/v1/conversations/${group.id}/messages`, 201, { token: alice.accessToken, json: { client_msg_id: 'lg-1', body: { text: 'hello everyone' } } });
    const mention = await restOk<{ message: { mentions?: string[] } }>(baseUrl, 'POST', `/v1/conversations/${group.id}/messages`, 201, {
      token: alice.accessToken,
      json: { client_msg_id: 'lg-2', body: { text: `@${others[1].username} have a look` } },
    });
    expect(mention.message.mentions).toEqual([others[1].user.id]);
    const [push] = await waitForPushes(tokens[1], 1);
    expect(push.body).toMatchObject({ aps: { alert: { title: 'Big room' } }, seq: '2', count: 1 });
    await sleep(COALESCE_MS + 1500);
    expect(tokens.map((t) => pushesTo(t).length)).toEqual([0, 1, 0, 0]);
    // Reading clears it, though a large group sends no read frames to anyone.
    await restOk(baseUrl, 'POST', `/v1/conversations/${group.id}/read`, 204, { token: others[1].accessToken, json: { seq: 2 } });
    const [, clear] = await waitForPushes(tokens[1], 2);
    expect(clear.headers['apns-push-type']).toBe('background');
    const history = await restOk<{ messages: Array<{ seq: number; mentions?: string[] }> }>(baseUrl, 'GET', `/v1/conversations/${group.id}/messages`, 200, { token: others[0].accessToken });
    expect(history.messages.map((m) => [m.seq, m.mentions])).toEqual([[1, undefined], [2, [others[1].user.id]]]);
  });

  e2eTest('a token registered by another user moves to them; unregistering removes it', async () => {
    const { baseUrl } = parley.current;
    const dana = await registerUser(baseUrl, 'dana');
    const erin = await registerUser(baseUrl, 'erin');
    const token = deviceToken();
    const device = { platform: 'apns', token, app_id: 'com.example.parley' };
    await restOk(baseUrl, 'POST', '/v1/me/devices', 200, { token: dana.accessToken, json: device });
    await restOk(baseUrl, 'POST', '/v1/me/devices', 200, { token: erin.accessToken, json: device });
    expect((await restOk<{ devices: unknown[] }>(baseUrl, 'GET', '/v1/me/devices', 200, { token: dana.accessToken })).devices).toEqual([]);
    expect((await restOk<{ devices: unknown[] }>(baseUrl, 'GET', '/v1/me/devices', 200, { token: erin.accessToken })).devices).toHaveLength(1);
    await restOk(baseUrl, 'DELETE', '/v1/me/devices', 204, { token: erin.accessToken, json: { token } });
    expect((await restOk<{ devices: unknown[] }>(baseUrl, 'GET', '/v1/me/devices', 200, { token: erin.accessToken })).devices).toEqual([]);
    const conv: WireConversation = await createDirect(baseUrl, dana.accessToken, erin.user.id);
    expect(conv.member_count).toBe(2);
  });
});

async function waitUntil(probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(100);
  }
}
