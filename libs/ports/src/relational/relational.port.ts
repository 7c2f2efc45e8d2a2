import type { Prisma, PrismaClient } from './generated/client';

/**
 * Relational access through Prisma Client (docs/adr/0004-relational-data.md). The client is
 * generated from prisma/schema by `npm run build` and runs on a driver adapter over the same
 * connection source as the `SqlDb` it comes from (`SqlDb.relational()`): PGlite's one instance in
 * standalone, node-postgres's bounded pool in the mesh. One query path in both modes.
 *
 * Contract: `run` and `transaction` answer what `fn` answers; a database that cannot be reached
 * or stops answering surfaces as DomainError UNAVAILABLE; a unique violation passes through
 * (`isUniqueViolation` is true for it); `transaction` commits when `fn` resolves and rolls back
 * when it throws.
 */
export type RelationalClient = PrismaClient;

/** What repositories are handed: the model delegates plus `$queryRaw` / `$executeRaw`. */
export type RelationalTx = Prisma.TransactionClient;

export interface RelationalDb {
  /** `fn` on the client, outside a transaction (each statement commits on its own). */
  run<T>(fn: (c: RelationalTx) => Promise<T>): Promise<T>;
  /** `fn` in one interactive transaction. */
  transaction<T>(fn: (tx: RelationalTx) => Promise<T>): Promise<T>;
  /** Disconnects the client (not the connection source it shares). */
  close(): Promise<void>;
}

export const RELATIONAL_DB = Symbol('RelationalDb');

/** A JSON object as a Json column takes it. */
export type RelationalJsonObject = Prisma.InputJsonObject;
