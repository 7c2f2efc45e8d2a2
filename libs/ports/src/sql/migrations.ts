import { SqlDb } from '../sql.port';

/** One forward-only schema step. Ids sort in application order, e.g. `auth/001_users`. */
export interface Migration {
  id: string;
  sql: string;
}

/**
 * Applies the migrations not applied yet, each in its own transaction, in id order.
 * Concurrent runners (several processes booting at once) serialize on an advisory lock.
 */
export async function runMigrations(db: SqlDb, migrations: readonly Migration[]): Promise<string[]> {
  const ordered = [...migrations].sort((a, b) => a.id.localeCompare(b.id));
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    // The lock comes first: two runners creating the bookkeeping table at once would collide.
    await tx.query(`SELECT pg_advisory_xact_lock(4242001)`);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await tx.query<{ id: string }>(`SELECT id FROM schema_migrations`)).rows.map((r) => r.id));
    for (const m of ordered) {
      if (done.has(m.id)) continue;
      for (const statement of splitStatements(m.sql)) await tx.query(statement);
      await tx.query(`INSERT INTO schema_migrations (id) VALUES ($1)`, [m.id]);
      applied.push(m.id);
    }
  });
  return applied;
}

/** Migrations are plain DDL separated by semicolons at line ends (no functions with bodies). */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * The migrations not yet applied, changing nothing (a process started with PARLEY_SCHEMA_SETUP=verify
 * refuses to start while there are any: the setup job applies them).
 */
export async function pendingMigrations(db: SqlDb, migrations: readonly Migration[]): Promise<string[]> {
  const exists = await db.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
  if (!exists.rows[0]?.t) return migrations.map((m) => m.id).sort();
  const done = new Set((await db.query<{ id: string }>(`SELECT id FROM schema_migrations`)).rows.map((r) => r.id));
  return migrations.map((m) => m.id).filter((id) => !done.has(id)).sort();
}
