import { PgliteSqlDb, SqlDb } from '@parley/ports';
import { TokenVerifier } from '@parley/tokens';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthHarness, openMemoryDb, startAuth, TEST_AUTH_OPTIONS } from './__tests__/auth-harness';
import { AuthModule } from './auth.module';

describe('AuthModule', () => {
  describe('on one database', () => {
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

    it('publishes one Ed25519 public key, without its private part', async () => {
      const { keys } = await h.auth.jwks();
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid: expect.any(String) });
      expect(keys[0]).not.toHaveProperty('d');
    });

    it('issues access tokens that a verifier holding only the JWKS accepts', async () => {
      const r = await h.auth.register({ username: 'verified', password: 'password1' });
      const claims = await h.verifier.verify(r.access_token);
      expect(claims).toEqual({ sub: r.user.id, sid: expect.any(String), jti: expect.any(String), exp: expect.any(Number) });
      const strict = new TokenVerifier({ issuer: TEST_AUTH_OPTIONS.issuer, audience: 'another-service', keys: () => h.auth.jwks() });
      await expect(strict.verify(r.access_token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'wrong audience' });
    });

    it('finds users by id and by username, and tells which ids exist', async () => {
      const a = await h.auth.register({ username: 'Dir_A', password: 'password1' });
      const b = await h.auth.register({ username: 'dir_b', password: 'password1' });
      await expect(h.auth.getUser(a.user.id)).resolves.toEqual(a.user);
      await expect(h.auth.getUser('unknown-id')).resolves.toBeNull();
      await expect(h.auth.getUser('x'.repeat(10_000))).resolves.toBeNull();
      await expect(h.directory.findByUsername('DIR_B')).resolves.toEqual(b.user);
      await expect(h.directory.findByUsername('nobody')).resolves.toBeNull();
      await expect(h.directory.findByUsername('not a name')).resolves.toBeNull();
      const found = await h.directory.existingIds([a.user.id, 'ghost', b.user.id, a.user.id, 'y'.repeat(500)]);
      expect(found).toEqual(new Set([a.user.id, b.user.id]));
      await expect(h.directory.existingIds([])).resolves.toEqual(new Set());
    });

    it('answers false for sessions that do not exist', async () => {
      await expect(h.auth.sessionActive('no-such-session')).resolves.toBe(false);
      await expect(h.auth.sessionActive('')).resolves.toBe(false);
    });
  });

  it('keeps its signing key, users and sessions across a restart on the same data directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-auth-'));
    try {
      const db1 = await PgliteSqlDb.open(dir);
      const h1 = await startAuth(db1);
      const before = await h1.auth.register({ username: 'durable', password: 'password1' });
      const jwksBefore = await h1.auth.jwks();
      await h1.stop();
      await db1.close();

      const db2 = await PgliteSqlDb.open(dir);
      const h2 = await startAuth(db2);
      try {
        expect(await h2.auth.jwks()).toEqual(jwksBefore);
        await expect(h2.verifier.verify(before.access_token)).resolves.toMatchObject({ sub: before.user.id });
        const refreshed = await h2.auth.refresh(before.refresh_token);
        expect(refreshed.user).toEqual(before.user);
        await expect(h2.auth.login({ username: 'durable', password: 'password1' })).resolves.toMatchObject({ user: before.user });
      } finally {
        await h2.stop();
        await db2.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses an access token lifetime above 15 minutes at registration', () => {
    expect(() => AuthModule.register({ ...TEST_AUTH_OPTIONS, accessTtlSeconds: 901 })).toThrow(/accessTtlSeconds/);
    expect(() => AuthModule.register({ ...TEST_AUTH_OPTIONS, refreshTtlSeconds: 10 })).toThrow(/refreshTtlSeconds/);
    expect(() => AuthModule.register({ ...TEST_AUTH_OPTIONS, issuer: '' })).toThrow(/issuer/);
  });
});
