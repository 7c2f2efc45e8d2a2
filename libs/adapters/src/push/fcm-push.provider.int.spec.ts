import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PushMessage } from '@parley/ports';
import { FakeFcmServer } from '../testing/push/fake-fcm.server';
import { makeTestTls, TestTls } from '../testing/push/test-ca';
import { FcmPushProvider } from './fcm-push.provider';

/**
 * The real firebase-admin against a local FCM: the token exchange and HTTP v1 sends both reach
 * the fake through the app's httpAgent (firebase-admin hands it to its credential too), which
 * keeps the Google host names for TLS and trusts only the test CA.
 */
describe('FcmPushProvider (real firebase-admin, local FCM)', () => {
  let tls: TestTls;
  let fake: FakeFcmServer;
  let provider: FcmPushProvider;
  const clientEmail = 'parley-push@parley-test.iam.gserviceaccount.com';
  const token = 'fcm-device-token-' + 'x'.repeat(60);
  const alert: PushMessage = {
    platform: 'fcm', token, app_id: 'com.example.chat', sandbox: false, kind: 'alert', collapse_id: 'c:conv-1', title: 'Team', body: 'alice: hi (+2)', badge: 3, count: 3,
    data: { conversation_id: 'conv-1', seq: '7' },
  };

  beforeAll(async () => {
    tls = makeTestTls(['fcm.googleapis.com', 'oauth2.googleapis.com']);
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const file = join(tls.dir, 'service-account.json');
    writeFileSync(file, JSON.stringify({ type: 'service_account', project_id: 'parley-test', client_email: clientEmail, private_key: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), private_key_id: 'k1' }));
    fake = new FakeFcmServer(tls, keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(), clientEmail);
    await fake.start();
    provider = new FcmPushProvider({ credentialsFile: file, httpAgent: fake.agent() });
  });

  afterAll(async () => {
    await provider.close();
    await fake.stop();
    tls.cleanup();
  });

  beforeEach(() => {
    fake.sends.length = 0;
    fake.script = [];
  });

  it('exchanges a service-account JWT for a token, then sends the collapsed notification as FCM v1 JSON', async () => {
    await expect(provider.send(alert)).resolves.toEqual({ status: 'accepted', id: 'projects/parley-test/messages/1' });
    expect(fake.tokens[0]).toMatchObject({ grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer', claims: { iss: clientEmail, aud: 'https://oauth2.googleapis.com/token' } });
    expect(String(fake.tokens[0].claims?.scope)).toContain('https://www.googleapis.com/auth/firebase.messaging');
    const [send] = fake.sends;
    expect(send.path).toBe('/v1/projects/parley-test/messages:send');
    expect(send.authorization).toBe('Bearer ya29.fake-1');
    expect(send.body).toEqual({
      message: {
        token,
        notification: { title: 'Team', body: 'alice: hi (+2)' },
        data: { conversation_id: 'conv-1', seq: '7', badge: '3', type: 'message', count: '3' },
        android: { collapse_key: 'c:conv-1', priority: 'high', notification: { tag: 'c:conv-1', notification_count: 3 } },
      },
    });
  });

  it('sends the clearing push as a data-only message, reusing the access token', async () => {
    await expect(provider.send({ ...alert, kind: 'clear', title: '', body: '', badge: 0, count: 0 })).resolves.toMatchObject({ status: 'accepted' });
    expect(fake.tokens).toHaveLength(1);
    expect(fake.sends[0].body).toEqual({
      message: { token, data: { conversation_id: 'conv-1', seq: '7', badge: '0', type: 'clear' }, android: { collapse_key: 'c:conv-1', priority: 'normal' } },
    });
  });

  it.each([
    [{ status: 404, errorCode: 'UNREGISTERED' }, { status: 'dead-token', reason: 'messaging/registration-token-not-registered' }],
    [{ status: 400, errorCode: 'INVALID_ARGUMENT' }, { status: 'dead-token', reason: 'messaging/invalid-argument' }],
    [{ status: 429, errorCode: 'QUOTA_EXCEEDED', headers: { 'retry-after': '30' } }, { status: 'retry', reason: 'messaging/message-rate-exceeded' }],
    [{ status: 500, errorCode: 'INTERNAL' }, { status: 'retry', reason: 'messaging/internal-error' }],
    [{ status: 401, errorCode: 'THIRD_PARTY_AUTH_ERROR' }, { status: 'failed', reason: 'messaging/third-party-auth-error' }],
    [{ status: 403, errorCode: 'SENDER_ID_MISMATCH' }, { status: 'failed', reason: 'messaging/mismatched-credential' }],
  ])('maps FCM %j to %j', async (reply, outcome) => {
    fake.script = [reply];
    await expect(provider.send(alert)).resolves.toEqual(outcome);
    expect(fake.sends).toHaveLength(1);
  });

  it('waits out Retry-After on a 503 (firebase-admin retries it itself), then succeeds', async () => {
    fake.script = [{ status: 503, errorCode: 'UNAVAILABLE', headers: { 'retry-after': '1' } }];
    await expect(provider.send(alert)).resolves.toMatchObject({ status: 'accepted' });
    expect(fake.sends).toHaveLength(2);
    expect(fake.sends[1].at - fake.sends[0].at).toBeGreaterThanOrEqual(950);
  });

  it('fails (does not retry) when the token server refuses the service account', async () => {
    const stranger = join(tls.dir, 'stranger.json');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(stranger, JSON.stringify({ type: 'service_account', project_id: 'parley-test', client_email: clientEmail, private_key: other.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }));
    const refused = new FcmPushProvider({ credentialsFile: stranger, httpAgent: fake.agent() });
    try {
      await expect(refused.send(alert)).resolves.toMatchObject({ status: 'failed', reason: 'app/invalid-credential' });
      expect(fake.tokens.at(-1)).toMatchObject({ claims: null });
      expect(fake.sends).toHaveLength(0);
    } finally {
      await refused.close();
    }
  });

  it('answers retry when FCM cannot be reached (runs last: it stops the fake)', async () => {
    await fake.stop();
    await expect(provider.send(alert)).resolves.toMatchObject({ status: 'retry' });
  });
});
