import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaRelationalDb } from '../relational/prisma-relational-db';
import { RelationalDb } from '../relational/relational.port';
import { SqlDb, SqlQueryable, SqlResult } from '../sql.port';

/**
 * Embedded relational adapter: PGlite, Postgres compiled to WASM, running in this process and
 * keeping its files in `dataDir` (or in memory when dataDir is undefined, for unit tests).
 * PGlite runs one statement at a time; a transaction holds it exclusively.
 */
export class PgliteSqlDb implements SqlDb {
  private prisma: PrismaRelationalDb | null = null;

  private constructor(private readonly db: PGlite) {}

  static async open(dataDir: string | undefined): Promise<PgliteSqlDb> {
    const db = new PGlite(dataDir);
    await db.waitReady;
    return new PgliteSqlDb(db);
  }

  /** Over a PGlite instance that is already open (closing this closes it). */
  static wrap(db: PGlite): PgliteSqlDb {
    return new PgliteSqlDb(db);
  }

  /** The one PGlite instance, for Prisma Client's driver adapter (the same database, not a second). */
  get pglite(): PGlite {
    return this.db;
  }

  async query<R>(text: string, params: readonly unknown[] = []): Promise<SqlResult<R>> {
    const r = await this.db.query<R>(text, params as unknown[]);
    return { rows: r.rows, rowCount: Math.max(r.affectedRows ?? 0, r.rows.length) };
  }

  async exec(script: string): Promise<void> {
    await this.db.exec(script);
  }

  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) =>
      fn({
        query: async <R>(text: string, params: readonly unknown[] = []) => {
          const r = await tx.query<R>(text, params as unknown[]);
          return { rows: r.rows, rowCount: Math.max(r.affectedRows ?? 0, r.rows.length) };
        },
      }),
    );
  }

  async healthy(): Promise<boolean> {
    return !this.db.closed;
  }

  /** Prisma Client on this very PGlite instance (pglite-prisma-adapter): one database, not two. */
  relational(): RelationalDb {
    this.prisma ??= new PrismaRelationalDb(new PrismaPGlite(this.db));
    return this.prisma;
  }

  async close(): Promise<void> {
    await this.prisma?.close();
    this.prisma = null;
    if (!this.db.closed) await this.db.close();
  }
}
