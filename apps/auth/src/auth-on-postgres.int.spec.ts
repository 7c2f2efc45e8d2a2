import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Global, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PgSqlDb } from '@parley/adapters';
import { AuthModule, authMigrations } from '@parley/auth-service';
import { AUTH_API, AuthApi, AuthResult, CODE_SENDERS, EmbeddedEventLog, EVENT_LOG, eventLogMigrations, runMigrations, SQL_DB } from '@parley/ports';
import { TokenVerifier } from '@parley/tokens';

// The auth service's repositories (Prisma Client over @prisma/adapter-pg) on a real Postgres, with
// real concurrency (PGlite runs one statement at a time), wired as a composition root does. Tables
// live in a schema of their own, dropped afterwards. (An app's spec: it wires the real Postgres
// adapter to the service.)
const postgresUrl = process.env.PARLEY_POSTGRES_URL || 'postgres://parley:parley@127.0.0.1:55432/parley';
const schema = `auth_it_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
const options = { issuer: 'https://auth.parley.test', audience: 'parley-test', accessTtlSeconds: 900, refreshTtlSeconds: 3600 };
let admin: PgSqlDb;
let db: PgSqlDb;
let log: EmbeddedEventLog;
let app: INestApplicationContext;
let auth: AuthApi;
let verifier: TokenVerifier;

beforeAll(async () => {
  admin = new PgSqlDb({ connectionString: postgresUrl, maxConnections: 1, connectTimeoutMs: 3000 });
  await admin.exec(`CREATE SCHEMA ${schema}`);
  db = new PgSqlDb({ connectionString: postgresUrl, maxConnections: 8, schema });
  await runMigrations(db, [...authMigrations, ...eventLogMigrations]);
  log = new EmbeddedEventLog({ db, partitions: 1, retentionIntervalMs: 0, pollIntervalMs: 600_000 });

  @Global()
  @Module({
    providers: [
      { provide: SQL_DB, useValue: db },
      { provide: EVENT_LOG, useValue: log },
      { provide: CODE_SENDERS, useValue: {} },
    ],
    exports: [SQL_DB, EVENT_LOG, CODE_SENDERS],
  })
  class InfraModule {}

  @Module({ imports: [InfraModule, AuthModule.register(options)] })
  class RootModule {}

  app = await NestFactory.createApplicationContext(RootModule, { logger: false });
  auth = app.get<AuthApi>(AUTH_API);
  verifier = new TokenVerifier({ issuer: options.issuer, audience: options.audience, keys: () => auth.jwks() });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await log?.close();
  await db?.close();
  await admin?.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin?.close();
});

let n = 0;
const username = () => `pg${++n}${randomBytes(3).toString('hex')}`;
const sessionOf = async (r: AuthResult) => (await verifier.verify(r.access_token)).sid;
const codeOf = async (p: Promise<unknown>) => ((await p.then(() => null, (e: unknown) => e)) as { code?: string } | null)?.code;

describe('auth on Postgres through Prisma Client', () => {
  it('registers, logs in, refreshes, logs out, in the schema of its own', async () => {
    const name = username();
    const reg = await auth.register({ username: name, password: 'password1', display_name: 'Pat' });
    expect(reg.user).toMatchObject({ username: name, display_name: 'Pat' });
    expect(await auth.getUser(reg.user.id)).toEqual(reg.user);
    const login = await auth.login({ username: name.toUpperCase(), password: 'password1' });
    const sid = await sessionOf(login);
    const refreshed = await auth.refresh(login.refresh_token);
    expect(await sessionOf(refreshed)).toBe(sid);
    expect(await auth.sessionsActive([sid, await sessionOf(reg), 'nope'])).toEqual([true, true, false]);
    await auth.logout(reg.user.id, sid);
    expect(await auth.sessionActive(sid)).toBe(false);
    expect(await codeOf(auth.refresh(refreshed.refresh_token))).toBe('UNAUTHENTICATED');
    expect((await auth.jwks()).keys.length).toBeGreaterThan(0);
    const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.users WHERE username = $1`, [name]);
    expect(rows.rows[0].n).toBe(1);
  });

  it('of concurrent refreshes with one token exactly one succeeds (the others revoke the session)', async () => {
    const reg = await auth.register({ username: username(), password: 'password1' });
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => auth.refresh(reg.refresh_token)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect((o.reason as { code?: string }).code).toBe('UNAUTHENTICATED');
  });

  it('of concurrent registrations of one name exactly one succeeds, the others are CONFLICT', async () => {
    const name = username();
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => auth.register({ username: name, password: 'password1' })));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect((o.reason as { code?: string }).code).toBe('CONFLICT');
  });
});
