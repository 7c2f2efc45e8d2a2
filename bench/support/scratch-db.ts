import { PgSqlDb } from '@parley/adapters';
import { PgliteSqlDb, SqlDb } from '@parley/ports';

/** A database a bench owns for its run: PGlite in memory, or a new Postgres database dropped after. */
export async function openScratchDb(kind: 'pglite' | 'postgres', label: string, maxConnections: number): Promise<{ db: SqlDb; drop(): Promise<void> }> {
  if (kind === 'pglite') {
    const db = await PgliteSqlDb.open(undefined);
    return { db, drop: () => db.close() };
  }
  const url = process.env.PARLEY_POSTGRES_URL ?? 'postgres://parley:parley@127.0.0.1:55432/parley';
  if (!/^[a-z_]+$/.test(label)) throw new Error(`scratch database label must be [a-z_]+: ${label}`);
  const name = `parley_${label}_${process.pid}`;
  const admin = new PgSqlDb({ connectionString: url, maxConnections: 1 });
  await admin.query(`CREATE DATABASE ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const db = new PgSqlDb({ connectionString: target.toString(), maxConnections });
  return {
    db,
    drop: async () => {
      await db.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin.close();
    },
  };
}
