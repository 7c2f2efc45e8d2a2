import { randomBytes, randomInt } from 'node:crypto';
import { FakeTwilioServer } from '../../libs/adapters/src/testing/otp/fake-twilio.server';
import { LocalSmtpServer } from '../../libs/adapters/src/testing/otp/local-smtp.server';
import type { AuthResult } from '../support/contract';
import { rest, restOk } from '../support/rest';
import { e2eTest, useParley } from '../support/suite';
import { createDirect, makeWs, registerUser } from '../support/users';
import { eventually, sleep } from '../support/wait';

/**
 * One-time-code sign-in end to end (standalone, or the mesh with PARLEY_E2E_TARGET=mesh): Parley
 * runs the real Twilio adapter against a local fake of Twilio's Messages API and the real SMTP
 * adapter against a local SMTP server, both on loopback, configured only through settings. The
 * client address comes from x-forwarded-for so one machine can act as several addresses.
 */
const CODE_TTL_SECONDS = 30;
let twilio: FakeTwilioServer;
let smtp: LocalSmtpServer;
const env: Record<string, string> = {};

beforeAll(async () => {
  twilio = await new FakeTwilioServer().start();
  smtp = await new LocalSmtpServer().start();
  Object.assign(env, {
    PARLEY_OTP_SMS_PROVIDER: 'twilio',
    PARLEY_OTP_TWILIO_ACCOUNT_SID: twilio.accountSid,
    PARLEY_OTP_TWILIO_AUTH_TOKEN: twilio.authToken,
    PARLEY_OTP_TWILIO_FROM: '+15005550006',
    PARLEY_OTP_TWILIO_API_URL: twilio.baseUrl,
    PARLEY_OTP_EMAIL_PROVIDER: 'smtp',
    PARLEY_OTP_SMTP_HOST: '127.0.0.1',
    PARLEY_OTP_SMTP_PORT: String(smtp.port),
    PARLEY_OTP_SMTP_TLS: 'none',
    PARLEY_OTP_SMTP_FROM: 'Parley <no-reply@parley.test>',
    PARLEY_OTP_CODE_TTL_SECONDS: String(CODE_TTL_SECONDS),
    PARLEY_OTP_MAX_ATTEMPTS: '3',
    PARLEY_OTP_RESEND_AFTER_SECONDS: '0',
    PARLEY_OTP_SENDS_PER_HOUR: '3',
    PARLEY_OTP_REQUESTS_PER_MINUTE: '4',
    PARLEY_CLIENT_ADDRESS_HEADER: 'x-forwarded-for',
  });
});
const parley = useParley({ env });
afterAll(async () => {
  await twilio.stop();
  await smtp.stop();
});

type CodeResult = AuthResult & { new_user: boolean };
let addressCounter = 0;
/** A client address of its own, so the per-address limit never mixes tests. */
const from = () => ({ 'x-forwarded-for': `198.51.100.${++addressCounter}` });
const newPhone = () => `+44770${randomInt(1_000_000, 9_999_999)}`;
const newEmail = () => `user-${randomBytes(4).toString('hex')}@Example.test`;

async function requestCode(baseUrl: string, channel: 'sms' | 'email', destination: string, headers = from()) {
  return rest<{ expires_in?: number; error?: { code: string } }>(baseUrl, 'POST', '/v1/auth/code/request', { json: { channel, destination }, headers });
}

async function lastCode(channel: 'sms' | 'email', destination: string, count: number): Promise<string> {
  const to = channel === 'sms' ? destination : destination.toLowerCase();
  const codes = await eventually(`code ${count} to ${to}`, async () => {
    const c = channel === 'sms' ? twilio.codesTo(to) : smtp.codesTo(to);
    if (c.length < count) throw new Error(`${c.length} codes so far`);
    return c;
  });
  return codes[count - 1];
}

const verify = (baseUrl: string, channel: 'sms' | 'email', destination: string, code: string, headers = from()) =>
  rest<CodeResult & { error?: { code: string; message: string } }>(baseUrl, 'POST', '/v1/auth/code/verify', { json: { channel, destination, code }, headers });

const wrongOf = (code: string) => (code === '000000' ? '000001' : '000000');

describe('sign-in with a one-time code', () => {
  e2eTest('sms through Twilio: request, the code reaches the fake, verify; the tokens work on REST and the WebSocket, refresh and logout as for a password session', async () => {
    const { baseUrl, wsUrl } = parley.current;
    const phone = newPhone();
    const sent = await requestCode(baseUrl, 'sms', phone);
    expect([sent.status, sent.body]).toEqual([202, { expires_in: CODE_TTL_SECONDS }]);
    const code = await lastCode('sms', phone, 1);
    expect(twilio.messages.find((m) => m.to === phone)).toMatchObject({ from: '+15005550006' });

    const first = await verify(baseUrl, 'sms', phone, code);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ new_user: true, user: { username: expect.stringMatching(/^u-[0-9a-f]{16}$/) }, expires_in: expect.any(Number) });
    const me = await restOk<{ id: string }>(baseUrl, 'GET', '/v1/me', 200, { token: first.body.access_token });
    expect(me.id).toBe(first.body.user.id);

    // The same user chats with a password user over the WebSocket.
    const bob = await registerUser(baseUrl, 'bob');
    const conv = await createDirect(baseUrl, first.body.access_token, bob.user.id);
    const socket = await makeWs(wsUrl, first.body.access_token);
    expect(socket.hello.user_id).toBe(first.body.user.id);
    const ack = await socket.sendMessage(conv.id, 'signed in with a code');
    expect(ack.seq).toBe(1);

    // A used code is gone; a second sign-in finds the same account.
    expect((await verify(baseUrl, 'sms', phone, code)).status).toBe(401);
    await requestCode(baseUrl, 'sms', phone);
    const again = await verify(baseUrl, 'sms', phone, await lastCode('sms', phone, 2));
    expect(again.body).toMatchObject({ new_user: false, user: first.body.user });

    const refreshed = await restOk<AuthResult>(baseUrl, 'POST', '/v1/auth/refresh', 200, { json: { refresh_token: again.body.refresh_token } });
    expect(refreshed.user.id).toBe(first.body.user.id);
    await restOk(baseUrl, 'POST', '/v1/auth/logout', 204, { token: first.body.access_token });
    expect((await socket.closed).code).toBe(4401);
    expect((await rest(baseUrl, 'GET', '/v1/me', { token: first.body.access_token })).status).toBe(401);
    expect((await rest(baseUrl, 'GET', '/v1/me', { token: refreshed.access_token })).status).toBe(200);
  });

  e2eTest('e-mail through SMTP: the local server receives the code; the address is matched case-insensitively', async () => {
    const { baseUrl } = parley.current;
    const email = newEmail();
    expect((await requestCode(baseUrl, 'email', email)).status).toBe(202);
    const code = await lastCode('email', email, 1);
    const mail = smtp.mails.find((m) => m.to.includes(email.toLowerCase()))!;
    expect(mail.from).toBe('no-reply@parley.test');
    expect(mail.raw).toContain(`Subject: Your Parley sign-in code: ${code}`);
    const signedIn = await verify(baseUrl, 'email', email.toUpperCase(), code);
    expect([signedIn.status, signedIn.body.new_user]).toEqual([200, true]);
  });

  e2eTest('wrong codes burn the code; an expired code is refused; every failure is the same 401', async () => {
    const { baseUrl } = parley.current;
    const phone = newPhone();
    await requestCode(baseUrl, 'sms', phone);
    const code = await lastCode('sms', phone, 1);
    const failures = [];
    for (let i = 0; i < 3; i++) failures.push(await verify(baseUrl, 'sms', phone, wrongOf(code)));
    failures.push(await verify(baseUrl, 'sms', phone, code));
    failures.push(await verify(baseUrl, 'sms', newPhone(), code));
    for (const f of failures) expect([f.status, f.body.error]).toEqual([401, { code: 'UNAUTHENTICATED', message: 'invalid or expired code' }]);

    const late = newPhone();
    await requestCode(baseUrl, 'sms', late);
    const lateCode = await lastCode('sms', late, 1);
    await sleep((CODE_TTL_SECONDS + 1) * 1000);
    const expired = await verify(baseUrl, 'sms', late, lateCode);
    expect([expired.status, expired.body.error?.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  e2eTest('limits: per destination and per client address give 429 with Retry-After; bad input is a 400', async () => {
    const { baseUrl } = parley.current;
    const phone = newPhone();
    for (let i = 0; i < 3; i++) expect((await requestCode(baseUrl, 'sms', phone)).status).toBe(202);
    // A fourth code to the same number this hour, from another address: the destination's limit, shared by every gateway.
    const perDestination = await requestCode(baseUrl, 'sms', phone);
    expect([perDestination.status, perDestination.body.error?.code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(perDestination.headers.get('retry-after'))).toBeGreaterThan(3000);

    const address = from();
    for (let i = 0; i < 4; i++) expect((await requestCode(baseUrl, 'sms', newPhone(), address)).status).toBe(202);
    const perAddress = await requestCode(baseUrl, 'email', newEmail(), address);
    expect([perAddress.status, perAddress.body.error?.code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(perAddress.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    for (const bad of [{}, { channel: 'sms', destination: '07700900123' }, { channel: 'email', destination: 'a@b.c\r\nBcc: x@y.z' }, { channel: 'fax', destination: '+447700900123' }, { channel: 'sms', destination: phone, extra: true }]) {
      const r = await rest<{ error: { code: string } }>(baseUrl, 'POST', '/v1/auth/code/request', { json: bad, headers: from() });
      expect([r.status, r.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    }
    const shortCode = await verify(baseUrl, 'sms', phone, '123');
    expect(shortCode.status).toBe(400);
  });

  e2eTest('a password account adds its phone number with a code, then signs in with a code; another account gets 409 only with a valid code', async () => {
    const { baseUrl } = parley.current;
    const alice = await registerUser(baseUrl, 'alice');
    const bob = await registerUser(baseUrl, 'bob');
    const phone = newPhone();
    expect((await rest(baseUrl, 'POST', '/v1/me/identities', { json: { channel: 'sms', destination: phone, code: '123456' } })).status).toBe(401);
    await requestCode(baseUrl, 'sms', phone);
    const added = await restOk<{ identity: Record<string, unknown> }>(baseUrl, 'POST', '/v1/me/identities', 201, {
      token: alice.accessToken,
      json: { channel: 'sms', destination: phone, code: await lastCode('sms', phone, 1) },
      headers: from(),
    });
    expect(added.identity).toEqual({ channel: 'sms', destination: phone, verified_at: expect.any(String) });
    expect(await restOk(baseUrl, 'GET', '/v1/me/identities', 200, { token: alice.accessToken })).toEqual({ identities: [added.identity] });

    await requestCode(baseUrl, 'sms', phone);
    const viaCode = await verify(baseUrl, 'sms', phone, await lastCode('sms', phone, 2));
    expect(viaCode.body).toMatchObject({ new_user: false, user: { id: alice.user.id } });

    await requestCode(baseUrl, 'sms', phone);
    const wrongBob = await rest(baseUrl, 'POST', '/v1/me/identities', { token: bob.accessToken, json: { channel: 'sms', destination: phone, code: wrongOf(await lastCode('sms', phone, 3)) }, headers: from() });
    expect(wrongBob.status).toBe(401);
    const taken = await rest<{ error: { code: string } }>(baseUrl, 'POST', '/v1/me/identities', { token: bob.accessToken, json: { channel: 'sms', destination: phone, code: await lastCode('sms', phone, 3) }, headers: from() });
    expect([taken.status, taken.body.error.code]).toEqual([409, 'CONFLICT']);
    expect(await restOk(baseUrl, 'GET', '/v1/me/identities', 200, { token: bob.accessToken })).toEqual({ identities: [] });
  });

  e2eTest('the answers do not reveal whether an account exists', async () => {
    const { baseUrl } = parley.current;
    const known = newPhone();
    await requestCode(baseUrl, 'sms', known);
    await verify(baseUrl, 'sms', known, await lastCode('sms', known, 1));
    const unknown = newPhone();
    const [a, b] = [await requestCode(baseUrl, 'sms', known), await requestCode(baseUrl, 'sms', unknown)];
    expect([a.status, a.body]).toEqual([b.status, b.body]);
    expect(a.text).toBe(b.text);
    const [wa, wb] = [await verify(baseUrl, 'sms', known, '999999'), await verify(baseUrl, 'sms', unknown, '999999')];
    // A lucky guess aside, both wrong codes read the same.
    if (wa.status === 401 && wb.status === 401) expect(wa.text).toBe(wb.text);
  });
});
