import { DomainError, unavailable } from '@parley/domain';
import type { SqlDriverAdapterFactory } from '@prisma/client/runtime/client';
import { Prisma, PrismaClient } from './generated/client';
import { RelationalDb, RelationalTx } from './relational.port';

export interface PrismaRelationalDbOptions {
  /** Longest an interactive transaction may run before Prisma rolls it back. */
  transactionTimeoutMs?: number;
  /** Longest a transaction waits to start (for a connection, or for PGlite's one session). */
  transactionMaxWaitMs?: number;
}

/**
 * Prisma error codes that say the database is the problem, not the request: unreachable (P1001),
 * timed out (P1002, P1008), connection closed (P1017), no connection from the pool in time (P2024),
 * transaction could not start or expired (P2028).
 */
const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);
const UNAVAILABLE_MESSAGES = [/timeout exceeded when trying to connect/i, /connection terminated/i, /query read timeout/i, /connection.*(ended|closed)/i, /ECONNREFUSED|ECONNRESET|ETIMEDOUT/, /pool after calling end/i];

/** RelationalDb on Prisma Client over a driver adapter (@prisma/adapter-pg, pglite-prisma-adapter). */
export class PrismaRelationalDb implements RelationalDb {
  private readonly client: PrismaClient;
  private readonly txOptions: { timeout: number; maxWait: number };

  constructor(adapter: SqlDriverAdapterFactory, options: PrismaRelationalDbOptions = {}) {
    this.client = new PrismaClient({ adapter });
    this.txOptions = { timeout: options.transactionTimeoutMs ?? 20_000, maxWait: options.transactionMaxWaitMs ?? 5_000 };
  }

  run<T>(fn: (c: RelationalTx) => Promise<T>): Promise<T> {
    return fn(this.client).catch(rethrowMapped);
  }

  transaction<T>(fn: (tx: RelationalTx) => Promise<T>): Promise<T> {
    return this.client.$transaction((tx) => fn(tx), this.txOptions).catch(rethrowMapped);
  }

  close(): Promise<void> {
    return this.client.$disconnect();
  }
}

/** Leaves the caller's own errors and unique violations as they are; an outage becomes UNAVAILABLE. */
function rethrowMapped(e: unknown): never {
  if (e instanceof DomainError) throw e;
  const code = e instanceof Prisma.PrismaClientKnownRequestError ? e.code : undefined;
  const outage =
    (code !== undefined && UNAVAILABLE_CODES.has(code)) ||
    e instanceof Prisma.PrismaClientInitializationError ||
    e instanceof Prisma.PrismaClientRustPanicError ||
    (e instanceof Error && e.constructor.name.startsWith('PrismaClient') && UNAVAILABLE_MESSAGES.some((m) => m.test(e.message)));
  if (outage) throw unavailable('relational database unavailable');
  throw e;
}
