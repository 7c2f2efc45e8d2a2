import 'reflect-metadata';
import { Global, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DomainError } from '@parley/domain';
import {
  AUTH_API,
  AuthApi,
  AppendResult,
  CODE_SENDERS,
  CodeSenders,
  Consumer,
  EVENT_LOG,
  EventLog,
  PgliteSqlDb,
  runMigrations,
  SQL_DB,
  SqlDb,
} from '@parley/ports';
import { TokenVerifier } from '@parley/tokens';
import { AuthModule } from '../auth.module';
import { AuthOptions } from '../auth.options';
import { authMigrations } from '../migrations';
import { USER_DIRECTORY } from '@parley/ports';
import { UserDirectory } from '../users/user-directory';

export const TEST_AUTH_OPTIONS: AuthOptions = {
  issuer: 'https://auth.parley.test',
  audience: 'parley-test',
  accessTtlSeconds: 900,
  refreshTtlSeconds: 3600,
};

/** Records appends; auth never consumes. */
export class RecordingEventLog implements EventLog {
  readonly appended: Array<{ topic: string; key: string; value: unknown }> = [];
  failAppends = false;

  async append<T>(topic: string, key: string, value: T): Promise<AppendResult> {
    if (this.failAppends) throw new Error('log unavailable');
    this.appended.push({ topic, key, value });
    return { partition: 0, offset: String(this.appended.length - 1) };
  }

  consume(): Promise<Consumer> {
    return Promise.reject(new Error('the auth service does not consume'));
  }

  async healthy(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}
}

export interface AuthHarness {
  auth: AuthApi;
  directory: UserDirectory;
  db: SqlDb;
  log: RecordingEventLog;
  /** A verifier fed by this service's JWKS, as a gateway would hold. */
  verifier: TokenVerifier;
  /** Stops the module (not the database). */
  stop(): Promise<void>;
}

/** Starts AuthModule on `db` (migrated here) the way a composition root does. */
export async function startAuth(db: SqlDb, options: AuthOptions = TEST_AUTH_OPTIONS, senders: CodeSenders = {}): Promise<AuthHarness> {
  await runMigrations(db, authMigrations);
  const log = new RecordingEventLog();

  @Global()
  @Module({
    providers: [
      { provide: SQL_DB, useValue: db },
      { provide: EVENT_LOG, useValue: log },
      { provide: CODE_SENDERS, useValue: senders },
    ],
    exports: [SQL_DB, EVENT_LOG, CODE_SENDERS],
  })
  class InfraModule {}

  @Module({ imports: [InfraModule, AuthModule.register(options)] })
  class RootModule {}

  const app: INestApplicationContext = await NestFactory.createApplicationContext(RootModule, { logger: false });
  const auth = app.get<AuthApi>(AUTH_API);
  return {
    auth,
    directory: app.get<UserDirectory>(USER_DIRECTORY),
    db,
    log,
    verifier: new TokenVerifier({ issuer: options.issuer, audience: options.audience, keys: () => auth.jwks() }),
    stop: () => app.close(),
  };
}

export const openMemoryDb = () => PgliteSqlDb.open(undefined);

/** The rejection of `p`, which must be a DomainError with `code`. */
export async function domainErrorOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const outcome = await p.then(
    () => ({ resolved: true as const }),
    (e: unknown) => ({ resolved: false as const, e }),
  );
  if (outcome.resolved) throw new Error('expected a rejection, got a result');
  if (!(outcome.e instanceof DomainError)) throw outcome.e;
  return { code: outcome.e.code, message: outcome.e.message };
}
