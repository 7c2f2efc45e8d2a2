import type { RelationalDb } from './relational/relational.port';

/**
 * Relational access. Repositories are written once in SQL against this port and run on the
 * embedded adapter (PGlite: real Postgres compiled to WASM, durable in a local directory) and on
 * the real adapter (node-postgres against a Postgres server).
 *
 * Contract: `query` runs one statement with `$1..$n` parameters; `exec` runs a script of several
 * statements without parameters (migrations); `transaction` runs `fn` in one transaction that
 * commits when `fn` resolves and rolls back when it throws. A unique violation surfaces as an
 * error with `code === '23505'` (Postgres SQLSTATE) on both adapters. `relational()` is Prisma
 * Client over the same connection source (docs/adr/0004-relational-data.md), created on first use
 * and closed by `close()`.
 */
export interface SqlQueryable {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>>;
}

export interface SqlResult<R> {
  rows: R[];
  rowCount: number;
}

export interface SqlDb extends SqlQueryable {
  exec(script: string): Promise<void>;
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  healthy(): Promise<boolean>;
  relational(): RelationalDb;
  close(): Promise<void>;
}

export const SQL_DB = Symbol('SqlDb');

/**
 * Postgres's SQLSTATE 23505 (SqlDb), Prisma Client's P2002 (RelationalDb, model API), or a raw
 * statement through the client (`$queryRaw`) that failed with 23505: P2010 carrying the driver
 * adapter's error.
 */
export const isUniqueViolation = (e: unknown): boolean => {
  if (typeof e !== 'object' || e === null) return false;
  const { code, meta } = e as { code?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown } } } };
  if (code === '23505' || code === 'P2002') return true;
  const cause = code === 'P2010' ? meta?.driverAdapterError?.cause : undefined;
  return cause?.kind === 'UniqueConstraintViolation' || cause?.originalCode === '23505';
};
