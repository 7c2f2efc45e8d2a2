import { generateKeyPairSync } from 'node:crypto';
import { PushMessage } from '@parley/ports';
import { FakeApnsServer } from '../testing/push/fake-apns.server';
import { makeTestTls, TestTls } from '../testing/push/test-ca';
import { ApnsPushProvider } from './apns-push.provider';

/** The real @parse/node-apn against a local APNs (HTTP/2 + TLS, test CA made at test time). */
describe('ApnsPushProvider (real @parse/node-apn, local APNs)', () => {
  let tls: TestTls;
  let fake: FakeApnsServer;
  let provider: ApnsPushProvider;
  const token = 'a1'.repeat(32);
  const alert: PushMessage = {
    platform: 'apns', token, app_id: 'com.example.chat', sandbox: false, kind: 'alert', collapse_id: 'c:conv-1', title: 'Team', body: 'alice: hi (+2)', badge: 3, count: 3,
    data: { conversation_id: 'conv-1', seq: '7' },
  };

  beforeAll(async () => {
    tls = makeTestTls(['localhost']);
    const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    fake = new FakeApnsServer(tls, keys.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const port = await fake.start();
    provider = new ApnsPushProvider({
      key: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      keyId: 'KEY1234567',
      teamId: 'TEAM123456',
      defaultTopic: 'com.example.default',
      production: true,
      address: `localhost:${port}`,
      ca: [tls.ca],
    });
  });

  afterAll(async () => {
    await provider.close();
    await fake.stop();
    tls.cleanup();
  });

  beforeEach(() => {
    fake.requests.length = 0;
    fake.script = [];
  });

  it('sends a visible, collapsed alert with exactly the APNs headers and payload', async () => {
    const outcome = await provider.send(alert);
    expect(outcome).toEqual({ status: 'accepted', id: '00000000-0000-4000-8000-000000000001' });
    const [req] = fake.requests;
    expect(req.path).toBe(`/3/device/${token}`);
    expect(req.jwt).toEqual({ kid: 'KEY1234567', iss: 'TEAM123456' });
    expect(req.headers.authorization).toMatch(/^bearer ey/);
    expect(req.headers).toMatchObject({ 'apns-topic': 'com.example.chat', 'apns-push-type': 'alert', 'apns-priority': '10', 'apns-collapse-id': 'c:conv-1' });
    expect(Number(req.headers['apns-expiration'])).toBeGreaterThan(Date.now() / 1000);
    expect(req.body).toEqual({
      aps: { alert: { title: 'Team', body: 'alice: hi (+2)' }, badge: 3, sound: 'default', 'thread-id': 'conv-1' },
      conversation_id: 'conv-1',
      seq: '7',
      count: 3,
    });
  });

  it('sends the clearing push as a silent background notification with the new badge', async () => {
    await expect(provider.send({ ...alert, kind: 'clear', title: '', body: '', badge: 0, count: 0, app_id: '' })).resolves.toMatchObject({ status: 'accepted' });
    const [req] = fake.requests;
    expect(req.headers).toMatchObject({ 'apns-topic': 'com.example.default', 'apns-push-type': 'background', 'apns-priority': '5', 'apns-collapse-id': 'c:conv-1' });
    expect(req.body).toEqual({ aps: { badge: 0, 'content-available': 1 }, conversation_id: 'conv-1', seq: '7', clear: true });
  });

  it.each([
    [{ status: 410, reason: 'Unregistered' }, { status: 'dead-token', reason: 'Unregistered' }],
    [{ status: 400, reason: 'BadDeviceToken' }, { status: 'dead-token', reason: 'BadDeviceToken' }],
    [{ status: 429, reason: 'TooManyRequests' }, { status: 'retry', reason: 'TooManyRequests' }],
    [{ status: 503, reason: 'ServiceUnavailable' }, { status: 'retry', reason: 'ServiceUnavailable' }],
    [{ status: 400, reason: 'BadCollapseId' }, { status: 'failed', reason: 'BadCollapseId' }],
  ])('maps APNs %j to %j, asking APNs once (the dispatcher owns retries)', async (reply, outcome) => {
    fake.script = [reply];
    await expect(provider.send(alert)).resolves.toEqual(outcome);
    expect(fake.requests).toHaveLength(1);
  });

  it('answers retry when APNs cannot be reached', async () => {
    const down = new ApnsPushProvider({ key: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), keyId: 'KEY1234567', teamId: 'TEAM123456', defaultTopic: 'a.b', production: true, address: 'localhost:1', ca: [tls.ca], requestTimeoutMs: 2000 });
    try {
      await expect(down.send(alert)).resolves.toMatchObject({ status: 'retry' });
    } finally {
      await down.close();
    }
  });

  it('is refused by APNs with a key it does not know (403 InvalidProviderToken: failed, not retried)', async () => {
    const stranger = new ApnsPushProvider({ key: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), keyId: 'KEY1234567', teamId: 'TEAM123456', defaultTopic: 'a.b', production: false, address: `localhost:${fake.port}`, ca: [tls.ca] });
    try {
      await expect(stranger.send(alert)).resolves.toEqual({ status: 'failed', reason: 'InvalidProviderToken' });
    } finally {
      await stranger.close();
    }
  });

  it('refuses malformed credentials at construction', () => {
    expect(() => new ApnsPushProvider({ key: 'nope', keyId: 'KEY1234567', teamId: 'TEAM123456', defaultTopic: 'a', production: true })).toThrow(/\.p8/);
    expect(() => new ApnsPushProvider({ key: '-----BEGIN PRIVATE KEY-----', keyId: 'short', teamId: 'TEAM123456', defaultTopic: 'a', production: true })).toThrow(/key id/);
  });
});
