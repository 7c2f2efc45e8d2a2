import { CodeDelivery, CodeMessage, CodeSender, SqlDb } from '@parley/ports';
import { AuthHarness, domainErrorOf, openMemoryDb, startAuth, TEST_AUTH_OPTIONS } from '../../__tests__/auth-harness';
import { LoginCodesRepository } from '../../storage/login-codes.repository';

/** Records codes; `next` makes the next sends fail the way a provider would. */
class RecordingSender implements CodeSender {
  readonly name = 'recording';
  readonly sent: CodeMessage[] = [];
  next: CodeDelivery[] = [];
  async send(m: CodeMessage): Promise<CodeDelivery> {
    const outcome = this.next.shift() ?? { status: 'sent' };
    if (outcome.status === 'sent') this.sent.push(m);
    return outcome;
  }
  async close(): Promise<void> {}
  lastCodeTo(to: string): string {
    const m = [...this.sent].reverse().find((s) => s.to === to);
    if (!m) throw new Error(`no code sent to ${to}`);
    return m.code;
  }
}

const INVALID = { code: 'UNAUTHENTICATED', message: 'invalid or expired code' };
let db: SqlDb;
let h: AuthHarness;
const sms = new RecordingSender();
const email = new RecordingSender();
let phoneSeq = 0;
const newPhone = () => `+4477009${String(++phoneSeq).padStart(5, '0')}`;
const wrong = (code: string) => (code === '000000' ? '000001' : '000000');

beforeAll(async () => {
  db = await openMemoryDb();
  h = await startAuth(db, { ...TEST_AUTH_OPTIONS, passwordHashCost: 'test', codes: { ttlSeconds: 30, length: 6, maxAttempts: 3, resendAfterSeconds: 0, sendsPerHour: 4, pepper: '' } }, { sms, email });
}, 60_000);

afterAll(async () => {
  await h.stop();
  await db.close();
});

describe('one-time-code sign-in', () => {
  it('creates the account on a destination first sign-in, then signs the same user in; the code is stored only as a hash', async () => {
    const phone = newPhone();
    expect(await h.auth.requestCode({ channel: 'sms', destination: phone })).toEqual({ status: 'sent', expires_in: 30 });
    const code = sms.lastCodeTo(phone);
    expect(code).toMatch(/^\d{6}$/);
    const stored = await db.query<Record<string, unknown>>(`SELECT * FROM login_codes`);
    expect(JSON.stringify(stored.rows)).not.toContain(code);
    expect(JSON.stringify(stored.rows)).not.toContain(phone.slice(1));

    const first = await h.auth.verifyCode({ channel: 'sms', destination: phone, code });
    expect(first.new_user).toBe(true);
    expect(first.user.username).toMatch(/^u-[0-9a-f]{16}$/);
    const claims = await h.verifier.verify(first.access_token);
    expect(claims.sub).toBe(first.user.id);
    expect(await h.auth.sessionActive(claims.sid)).toBe(true);
    // A used code is gone.
    await expect(domainErrorOf(h.auth.verifyCode({ channel: 'sms', destination: phone, code }))).resolves.toEqual(INVALID);

    await h.auth.requestCode({ channel: 'sms', destination: phone });
    const again = await h.auth.verifyCode({ channel: 'sms', destination: phone, code: sms.lastCodeTo(phone) });
    expect(again).toMatchObject({ new_user: false, user: first.user });
    // The refresh token works as after a password sign-in.
    expect((await h.auth.refresh(again.refresh_token)).user).toEqual(first.user);
  });

  it('burns a code after its attempts: even the right code then fails', async () => {
    const phone = newPhone();
    await h.auth.requestCode({ channel: 'sms', destination: phone });
    const code = sms.lastCodeTo(phone);
    for (let i = 0; i < 3; i++) await expect(domainErrorOf(h.auth.verifyCode({ channel: 'sms', destination: phone, code: wrong(code) }))).resolves.toEqual(INVALID);
    await expect(domainErrorOf(h.auth.verifyCode({ channel: 'sms', destination: phone, code }))).resolves.toEqual(INVALID);
  });

  it('concurrent guesses never take more than the attempts', async () => {
    const phone = newPhone();
    await h.auth.requestCode({ channel: 'sms', destination: phone });
    const code = sms.lastCodeTo(phone);
    const guesses = await Promise.allSettled(Array.from({ length: 6 }, () => h.auth.verifyCode({ channel: 'sms', destination: phone, code: wrong(code) })));
    expect(guesses.every((g) => g.status === 'rejected')).toBe(true);
    await expect(domainErrorOf(h.auth.verifyCode({ channel: 'sms', destination: phone, code }))).resolves.toEqual(INVALID);
  });

  it('refuses an expired code', async () => {
    const phone = newPhone();
    await h.auth.requestCode({ channel: 'sms', destination: phone });
    const code = sms.lastCodeTo(phone);
    await db.query(`UPDATE login_codes SET expires_at = now() - interval '1 second'`);
    await expect(domainErrorOf(h.auth.verifyCode({ channel: 'sms', destination: phone, code }))).resolves.toEqual(INVALID);
  });

  it('a new code replaces the previous one', async () => {
    const phone = newPhone();
    await h.auth.requestCode({ channel: 'sms', destination: phone });
    const old = sms.lastCodeTo(phone);
    await h.auth.requestCode({ channel: 'sms', destination: phone });
    const current = sms.lastCodeTo(phone);
    if (old !== current) await expect(domainErrorOf(h.auth.verifyCode({ channel: 'sms', destination: phone, code: old }))).resolves.toEqual(INVALID);
    expect((await h.auth.verifyCode({ channel: 'sms', destination: phone, code: current })).new_user).toBe(true);
  });

  it('limits sends per destination per hour, with the wait; another destination is not affected', async () => {
    const phone = newPhone();
    for (let i = 0; i < 4; i++) expect((await h.auth.requestCode({ channel: 'sms', destination: phone })).status).toBe('sent');
    const throttled = await h.auth.requestCode({ channel: 'sms', destination: phone });
    expect(throttled).toEqual({ status: 'throttled', retry_after: expect.any(Number) });
    expect(throttled.status === 'throttled' && throttled.retry_after > 3500 && throttled.retry_after <= 3600).toBe(true);
    expect((await h.auth.requestCode({ channel: 'sms', destination: newPhone() })).status).toBe('sent');
  });

  it('answers a request identically whether or not the destination has an account', async () => {
    const known = newPhone();
    await h.auth.requestCode({ channel: 'sms', destination: known });
    await h.auth.verifyCode({ channel: 'sms', destination: known, code: sms.lastCodeTo(known) });
    const [a, b] = [await h.auth.requestCode({ channel: 'sms', destination: known }), await h.auth.requestCode({ channel: 'sms', destination: newPhone() })];
    expect(a).toEqual(b);
  });

  it('e-mail: one identity per mailbox whatever the letter case; malformed destinations and a code for another destination fail', async () => {
    await h.auth.requestCode({ channel: 'email', destination: 'Ada@Example.TEST' });
    expect(email.sent.at(-1)?.to).toBe('ada@example.test');
    const first = await h.auth.verifyCode({ channel: 'email', destination: 'ada@example.test', code: email.lastCodeTo('ada@example.test') });
    await h.auth.requestCode({ channel: 'email', destination: 'ada@example.test' });
    const code = email.lastCodeTo('ada@example.test');
    await expect(domainErrorOf(h.auth.verifyCode({ channel: 'email', destination: 'bob@example.test', code }))).resolves.toEqual(INVALID);
    await expect(domainErrorOf(h.auth.verifyCode({ channel: 'sms', destination: '+447700900999', code }))).resolves.toEqual(INVALID);
    expect((await h.auth.verifyCode({ channel: 'email', destination: 'ADA@example.test', code })).user).toEqual(first.user);
    expect((await domainErrorOf(h.auth.requestCode({ channel: 'email', destination: 'not an address' }))).code).toBe('VALIDATION_FAILED');
    expect((await domainErrorOf(h.auth.requestCode({ channel: 'sms', destination: '07700900123' }))).code).toBe('VALIDATION_FAILED');
  });

  it('adds a destination to a password account; its owner is told only after the code proved it', async () => {
    const alice = await h.auth.register({ username: 'alice-codes', password: 'alice-password' });
    const bob = await h.auth.register({ username: 'bob-codes', password: 'bob-password' });
    const phone = newPhone();
    await h.auth.requestCode({ channel: 'sms', destination: phone });
    await expect(domainErrorOf(h.auth.addIdentity(alice.user.id, { channel: 'sms', destination: phone, code: wrong(sms.lastCodeTo(phone)) }))).resolves.toEqual(INVALID);
    const added = await h.auth.addIdentity(alice.user.id, { channel: 'sms', destination: phone, code: sms.lastCodeTo(phone) });
    expect(added).toEqual({ identity: { channel: 'sms', destination: phone, verified_at: expect.any(String) }, created: true });
    expect(await h.auth.listIdentities(alice.user.id)).toEqual([added.identity]);

    // Code sign-in now reaches the password account.
    await h.auth.requestCode({ channel: 'sms', destination: phone });
    expect(await h.auth.verifyCode({ channel: 'sms', destination: phone, code: sms.lastCodeTo(phone) })).toMatchObject({ new_user: false, user: alice.user });

    await h.auth.requestCode({ channel: 'sms', destination: phone });
    expect((await h.auth.addIdentity(alice.user.id, { channel: 'sms', destination: phone, code: sms.lastCodeTo(phone) })).created).toBe(false);
    await h.auth.requestCode({ channel: 'sms', destination: phone });
    expect((await domainErrorOf(h.auth.addIdentity(bob.user.id, { channel: 'sms', destination: phone, code: sms.lastCodeTo(phone) }))).code).toBe('CONFLICT');
    await expect(domainErrorOf(h.auth.addIdentity(bob.user.id, { channel: 'sms', destination: phone, code: '123456' }))).resolves.toEqual(INVALID);
    expect(await h.auth.listIdentities(bob.user.id)).toEqual([]);
  });

  it('prunes destinations idle for two hours, and only those', async () => {
    const recent = newPhone();
    await h.auth.requestCode({ channel: 'sms', destination: newPhone() });
    // Every row but the recent destination's is aged (by key: two sends can share a timestamp).
    const before = (await db.query<{ k: string }>(`SELECT destination_key AS k FROM login_codes`)).rows.map((r) => r.k);
    await h.auth.requestCode({ channel: 'sms', destination: recent });
    await db.query(`UPDATE login_codes SET sent_at = now() - interval '3 hours' WHERE destination_key = ANY($1::text[])`, [before]);
    const aged = before.length;
    expect(await new LoginCodesRepository(db.relational()).prune()).toBe(aged);
    expect((await db.query(`SELECT 1 FROM login_codes`)).rows).toHaveLength(1);
    expect((await h.auth.verifyCode({ channel: 'sms', destination: recent, code: sms.lastCodeTo(recent) })).new_user).toBe(true);
  });

  it('maps provider outcomes: refused destination 400, provider down 503', async () => {
    sms.next = [{ status: 'rejected', reason: 'not a mobile' }, { status: 'unavailable', reason: 'twilio 503' }];
    expect((await domainErrorOf(h.auth.requestCode({ channel: 'sms', destination: newPhone() }))).code).toBe('VALIDATION_FAILED');
    expect((await domainErrorOf(h.auth.requestCode({ channel: 'sms', destination: newPhone() }))).code).toBe('UNAVAILABLE');
  });
});

describe('one-time-code sign-in, channel off', () => {
  it('is a VALIDATION_FAILED when no sender serves the channel', async () => {
    const other = await openMemoryDb();
    const off = await startAuth(other, TEST_AUTH_OPTIONS, {});
    try {
      expect(await domainErrorOf(off.auth.requestCode({ channel: 'sms', destination: '+447700900123' }))).toEqual({ code: 'VALIDATION_FAILED', message: 'sign-in with a code by sms is not enabled on this server' });
    } finally {
      await off.stop();
      await other.close();
    }
  }, 60_000);
});
