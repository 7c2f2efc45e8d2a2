import { SqlDb } from '@parley/ports';
import { AuthHarness, domainErrorOf, openMemoryDb, startAuth } from '../../__tests__/auth-harness';
import { PasswordHasher } from '../../credentials/password-hasher';

let db: SqlDb;
let h: AuthHarness;

beforeAll(async () => {
  db = await openMemoryDb();
  h = await startAuth(db);
  await h.auth.register({ username: 'alice', password: 'alice-password', display_name: 'Alice' });
}, 60_000);

afterAll(async () => {
  await h.stop();
  await db.close();
});

const BAD_CREDENTIALS = { code: 'UNAUTHENTICATED', message: 'invalid username or password' };

describe('login', () => {
  it('opens a new session for the right password, whatever the username case', async () => {
    const first = await h.auth.login({ username: 'alice', password: 'alice-password' });
    const second = await h.auth.login({ username: 'ALICE', password: 'alice-password' });
    expect(second.user).toEqual(first.user);
    expect(first.user).toMatchObject({ username: 'alice', display_name: 'Alice' });
    const [a, b] = await Promise.all([h.verifier.verify(first.access_token), h.verifier.verify(second.access_token)]);
    expect(a.sub).toBe(first.user.id);
    expect(a.sid).not.toBe(b.sid);
    expect(second.refresh_token).not.toBe(first.refresh_token);
  });

  it('answers UNAUTHENTICATED for a wrong password', async () => {
    await expect(domainErrorOf(h.auth.login({ username: 'alice', password: 'alice-passwore' }))).resolves.toEqual(BAD_CREDENTIALS);
  });

  it('answers the same for an unknown user and for a name that cannot exist', async () => {
    await expect(domainErrorOf(h.auth.login({ username: 'nobody', password: 'alice-password' }))).resolves.toEqual(BAD_CREDENTIALS);
    await expect(domainErrorOf(h.auth.login({ username: 'no body!', password: 'alice-password' }))).resolves.toEqual(BAD_CREDENTIALS);
  });

  it('spends a password verification on an unknown user too (no enumeration by timing)', async () => {
    const decoy = jest.spyOn(PasswordHasher.prototype, 'verifyDecoy');
    try {
      await domainErrorOf(h.auth.login({ username: 'ghost', password: 'some-password' }));
      expect(decoy).toHaveBeenCalledWith('some-password');
      await expect(decoy.mock.results[0].value).resolves.toBe(false);
    } finally {
      decoy.mockRestore();
    }
  });

  it('opens no session on failure', async () => {
    const count = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sessions`)).rows[0].n;
    const before = await count();
    await domainErrorOf(h.auth.login({ username: 'alice', password: 'wrong-password' }));
    expect(await count()).toBe(before);
  });

  it('refuses an oversized password before hashing it', async () => {
    expect((await domainErrorOf(h.auth.login({ username: 'alice', password: 'p'.repeat(100_000) }))).code).toBe('VALIDATION_FAILED');
  });
});
