import { randomBytes } from 'node:crypto';
import { PgSqlDb } from '@parley/adapters';
import { AuthResult } from '@parley/ports';
import { AuthHarness, domainErrorOf, startAuth } from '../../../libs/auth-service/src/__tests__/auth-harness';

// The auth service's repositories (Prisma Client over @prisma/adapter-pg) on a real Postgres, with
// real concurrency (PGlite runs one statement at a time). Tables live in a schema of their own,
// dropped afterwards. (An app's spec: it wires the real Postgres adapter to the service.)
const postgresUrl = process.env.PARLEY_POSTGRES_URL || 'postgres://parley:parley@127.0.0.1:55432/parley';
const schema = `auth_it_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
let admin: PgSqlDb;
let db: PgSqlDb;
let h: AuthHarness;

beforeAll(async () => {
  admin = new PgSqlDb({ connectionString: postgresUrl, maxConnections: 1, connectTimeoutMs: 3000 });
  await admin.exec(`CREATE SCHEMA ${schema}`);
  db = new PgSqlDb({ connectionString: postgresUrl, maxConnections: 8, schema });
  h = await startAuth(db);
}, 60_000);

afterAll(async () => {
  await h?.stop();
  await db?.close();
  await admin?.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin?.close();
});

let n = 0;
const username = () => `pg${++n}${randomBytes(3).toString('hex')}`;
const sessionOf = async (r: AuthResult) => (await h.verifier.verify(r.access_token)).sid;

describe('auth on Postgres through Prisma Client', () => {
  it('registers, logs in, refreshes, logs out, in the schema of its own', async () => {
    const name = username();
    const reg = await h.auth.register({ username: name, password: 'password1', display_name: 'Pat' });
    expect(reg.user).toMatchObject({ username: name, display_name: 'Pat' });
    expect(await h.auth.getUser(reg.user.id)).toEqual(reg.user);
    const login = await h.auth.login({ username: name.toUpperCase(), password: 'password1' });
    const sid = await sessionOf(login);
    const refreshed = await h.auth.refresh(login.refresh_token);
    expect(await sessionOf(refreshed)).toBe(sid);
    expect(await h.auth.sessionsActive([sid, await sessionOf(reg), 'nope'])).toEqual([true, true, false]);
    await h.auth.logout(reg.user.id, sid);
    expect(await h.auth.sessionActive(sid)).toBe(false);
    expect((await domainErrorOf(h.auth.refresh(refreshed.refresh_token))).code).toBe('UNAUTHENTICATED');
    expect((await h.auth.jwks()).keys.length).toBeGreaterThan(0);
    const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.users WHERE username = $1`, [name]);
    expect(rows.rows[0].n).toBe(1);
  });

  it('of concurrent refreshes with one token exactly one succeeds (the others revoke the session)', async () => {
    const reg = await h.auth.register({ username: username(), password: 'password1' });
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => h.auth.refresh(reg.refresh_token)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect((o.reason as { code?: string }).code).toBe('UNAUTHENTICATED');
  });

  it('of concurrent registrations of one name exactly one succeeds, the others are CONFLICT', async () => {
    const name = username();
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => h.auth.register({ username: name, password: 'password1' })));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect((o.reason as { code?: string }).code).toBe('CONFLICT');
  });
});
