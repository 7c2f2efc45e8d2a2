import { SqlDb } from '@parley/ports';
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

describe('register', () => {
  it('creates the user in lower case and answers the contract shape with a working session', async () => {
    const r = await h.auth.register({ username: 'Alice_1', password: 'correct horse' });
    expect(r.user).toEqual({ id: expect.any(String), username: 'alice_1', display_name: 'alice_1', created_at: expect.any(String) });
    expect(new Date(r.user.created_at).toISOString()).toBe(r.user.created_at);
    expect(r.expires_in).toBe(900);
    expect(r.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const claims = await h.verifier.verify(r.access_token);
    expect(claims.sub).toBe(r.user.id);
    await expect(h.auth.sessionActive(claims.sid)).resolves.toBe(true);
    await expect(h.auth.getUser(r.user.id)).resolves.toEqual(r.user);
  });

  it('keeps a given display name, trimmed', async () => {
    const r = await h.auth.register({ username: 'bob', password: 'password1', display_name: '  Bob B.  ' });
    expect(r.user.display_name).toBe('Bob B.');
  });

  it('answers CONFLICT for a username taken in another letter case', async () => {
    await h.auth.register({ username: 'carol', password: 'password1' });
    await expect(domainErrorOf(h.auth.register({ username: 'CaRoL', password: 'password2' }))).resolves.toEqual({
      code: 'CONFLICT',
      message: 'username is taken',
    });
  });

  it('lets exactly one of two concurrent registrations of a name win', async () => {
    const results = await Promise.allSettled([
      h.auth.register({ username: 'Racer', password: 'password1' }),
      h.auth.register({ username: 'racer', password: 'password2' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected');
    expect(rejected?.status === 'rejected' && rejected.reason).toMatchObject({ code: 'CONFLICT' });
    const count = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE username_lower = 'racer'`);
    expect(count.rows[0].n).toBe(1);
  });

  it('stores an argon2id hash, never the password', async () => {
    await h.auth.register({ username: 'dave', password: 'dave-secret-pw' });
    const r = await db.query<{ password_hash: string }>(`SELECT password_hash FROM users WHERE username_lower = 'dave'`);
    expect(r.rows[0].password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(r.rows[0].password_hash).not.toContain('dave-secret-pw');
  });

  it.each([
    ['a username too short', { username: 'ab', password: 'password1' }],
    ['a username with a space', { username: 'al ice', password: 'password1' }],
    ['a username too long', { username: 'a'.repeat(33), password: 'password1' }],
    ['a password too short', { username: 'erin', password: 'short' }],
    ['a password too long', { username: 'erin', password: 'p'.repeat(257) }],
    ['a blank display name', { username: 'erin', password: 'password1', display_name: '   ' }],
    ['a display name too long', { username: 'erin', password: 'password1', display_name: 'x'.repeat(65) }],
  ])('refuses %s with VALIDATION_FAILED', async (_what, input) => {
    expect((await domainErrorOf(h.auth.register(input))).code).toBe('VALIDATION_FAILED');
    await expect(h.directory.findByUsername('erin')).resolves.toBeNull();
  });
});
