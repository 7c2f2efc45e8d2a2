import { SqlDb, Topics } from '@parley/ports';
import { AuthHarness, domainErrorOf, openMemoryDb, startAuth } from '../../__tests__/auth-harness';

let db: SqlDb;
let h: AuthHarness;

beforeAll(async () => {
  db = await openMemoryDb();
  h = await startAuth(db);
}, 60_000);

afterAll(async () => {
  await h.stop();
  await db.close();
});

let n = 0;
const register = () => h.auth.register({ username: `user${++n}`, password: 'password1' });

beforeEach(() => {
  h.log.appended.length = 0;
  h.log.failAppends = false;
});

describe('logout', () => {
  it('revokes the session, ends its refresh tokens and announces session.revoked keyed by user', async () => {
    const r = await register();
    const { sid } = await h.verifier.verify(r.access_token);
    const other = await h.auth.login({ username: r.user.username, password: 'password1' });

    await h.auth.logout(r.user.id, sid);

    await expect(h.auth.sessionActive(sid)).resolves.toBe(false);
    expect((await domainErrorOf(h.auth.refresh(r.refresh_token))).code).toBe('UNAUTHENTICATED');
    expect(h.log.appended).toEqual([
      { topic: Topics.events, key: r.user.id, value: { type: 'session.revoked', user_id: r.user.id, session_id: sid } },
    ]);
    const otherSid = (await h.verifier.verify(other.access_token)).sid;
    await expect(h.auth.sessionActive(otherSid)).resolves.toBe(true);
    // The batched lookup agrees, in the order asked; an id that is no session is simply not active.
    await expect(h.auth.sessionsActive([otherSid, sid, 'no-such-session', otherSid])).resolves.toEqual([true, false, false, true]);
    await expect(h.auth.sessionsActive([])).resolves.toEqual([]);
    expect((await domainErrorOf(h.auth.sessionsActive(Array.from({ length: 1001 }, () => otherSid)))).code).toBe('VALIDATION_FAILED');
  });

  it('is idempotent and announces again, so a retry after a failed announcement closes the sockets', async () => {
    const r = await register();
    const { sid } = await h.verifier.verify(r.access_token);
    h.log.failAppends = true;
    expect((await domainErrorOf(h.auth.logout(r.user.id, sid))).code).toBe('UNAVAILABLE');
    await expect(h.auth.sessionActive(sid)).resolves.toBe(false);
    h.log.failAppends = false;
    await h.auth.logout(r.user.id, sid);
    expect(h.log.appended).toHaveLength(1);
  });

  it("leaves another user's session alone", async () => {
    const victim = await register();
    const attacker = await register();
    const { sid } = await h.verifier.verify(victim.access_token);
    await h.auth.logout(attacker.user.id, sid);
    await expect(h.auth.sessionActive(sid)).resolves.toBe(true);
    expect(h.log.appended).toEqual([]);
  });

  it('does nothing for an unknown session', async () => {
    const r = await register();
    await h.auth.logout(r.user.id, 'no-such-session');
    expect(h.log.appended).toEqual([]);
  });
});
