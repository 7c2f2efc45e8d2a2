import { PgSqlDb } from '@parley/adapters';
import { PgliteSqlDb, SqlDb } from '@parley/ports';

/**
 * A database a bench owns for its run: PGlite in memory, or a new Postgres database dropped after.
 * With `keep` (Postgres only) the database is named by it, reused when it exists, and left in place,
 * so that a slow load can be done once and the timed part run later (on a quiet machine).
 */
export async function openScratchDb(kind: 'pglite' | 'postgres', label: string, maxConnections: number, keep?: string): Promise<{ db: SqlDb; drop(): Promise<void> }> {
  if (kind === 'pglite') {
    const db = await PgliteSqlDb.open(undefined);
    return { db, drop: () => db.close() };
  }
  const url = process.env.PARLEY_POSTGRES_URL ?? 'postgres://parley:parley@127.0.0.1:55432/parley';
  if (!/^[a-z_]+$/.test(label)) throw new Error(`scratch database label must be [a-z_]+: ${label}`);
  if (keep !== undefined && !/^[a-z0-9_]{1,30}$/.test(keep)) throw new Error(`a kept database's name must be [a-z0-9_]{1,30}: ${keep}`);
  const name = keep === undefined ? `parley_${label}_${process.pid}` : `parley_${label}_keep_${keep}`;
  const admin = new PgSqlDb({ connectionString: url, maxConnections: 1 });
  const exists = keep !== undefined && (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rows.length > 0;
  if (!exists) await admin.query(`CREATE DATABASE ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const db = new PgSqlDb({ connectionString: target.toString(), maxConnections });
  return {
    db,
    drop: async () => {
      await db.close();
      if (keep === undefined) await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin.close();
    },
  };
}
