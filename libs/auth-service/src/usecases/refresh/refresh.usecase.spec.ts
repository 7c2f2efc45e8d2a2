import { AuthResult, SqlDb, Topics } from '@parley/ports';
import { AuthHarness, domainErrorOf, openMemoryDb, startAuth } from '../../__tests__/auth-harness';
import { refreshTokenHash } from '../../credentials/refresh-token';

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
const sessionOf = async (r: AuthResult) => (await h.verifier.verify(r.access_token)).sid;

describe('refresh', () => {
  it('rotates: a new refresh token and access token for the same session and user', async () => {
    const first = await register();
    const second = await h.auth.refresh(first.refresh_token);
    expect(second.user).toEqual(first.user);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(await sessionOf(second)).toBe(await sessionOf(first));
    const third = await h.auth.refresh(second.refresh_token);
    expect(await sessionOf(third)).toBe(await sessionOf(first));
  });

  it('revokes the whole session when a rotated token is presented again', async () => {
    const first = await register();
    const sid = await sessionOf(first);
    const other = await h.auth.login({ username: first.user.username, password: 'password1' });
    const second = await h.auth.refresh(first.refresh_token);

    expect((await domainErrorOf(h.auth.refresh(first.refresh_token))).code).toBe('UNAUTHENTICATED');

    await expect(h.auth.sessionActive(sid)).resolves.toBe(false);
    expect((await domainErrorOf(h.auth.refresh(second.refresh_token))).code).toBe('UNAUTHENTICATED');
    expect(h.log.appended).toContainEqual({
      topic: Topics.events,
      key: first.user.id,
      value: { type: 'session.revoked', user_id: first.user.id, session_id: sid },
    });
    // The user's other session is not touched.
    await expect(h.auth.sessionActive(await sessionOf(other))).resolves.toBe(true);
    await expect(h.auth.refresh(other.refresh_token)).resolves.toMatchObject({ user: first.user });
  });

  it('refuses an expired token and leaves it unused', async () => {
    const first = await register();
    const hash = refreshTokenHash(first.refresh_token);
    await db.query(`UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [hash]);
    await expect(domainErrorOf(h.auth.refresh(first.refresh_token))).resolves.toEqual({
      code: 'UNAUTHENTICATED',
      message: 'refresh token expired',
    });
    // Not counted as a use, so presenting it again is not reuse: the session stays active.
    await domainErrorOf(h.auth.refresh(first.refresh_token));
    await expect(h.auth.sessionActive(await sessionOf(first))).resolves.toBe(true);
  });

  it('refuses unknown and malformed tokens', async () => {
    const unknown = 'A'.repeat(43);
    for (const token of [unknown, '', 'short', 'x'.repeat(10_000), 'A'.repeat(42) + '=']) {
      expect((await domainErrorOf(h.auth.refresh(token))).code).toBe('UNAUTHENTICATED');
    }
    expect((await domainErrorOf(h.auth.refresh(undefined as unknown as string))).code).toBe('UNAUTHENTICATED');
  });

  it('stores only the hash of a refresh token', async () => {
    const r = await register();
    const rows = await db.query<{ token_hash: string }>(`SELECT token_hash FROM refresh_tokens WHERE token_hash = $1 OR token_hash = $2`, [
      r.refresh_token,
      refreshTokenHash(r.refresh_token),
    ]);
    expect(rows.rows).toEqual([{ token_hash: refreshTokenHash(r.refresh_token) }]);
  });

  it('lets exactly one of two concurrent refreshes with the same token win', async () => {
    const first = await register();
    const results = await Promise.allSettled([h.auth.refresh(first.refresh_token), h.auth.refresh(first.refresh_token)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    // The loser looks exactly like a replay, so the session is revoked.
    await expect(h.auth.sessionActive(await sessionOf(first))).resolves.toBe(false);
  });
});
