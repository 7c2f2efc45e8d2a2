import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { authMigrations } from '@parley/auth-service';
import { PgliteSqlDb, runMigrations } from '@parley/ports';

const run = promisify(execFile);
const TOOL = path.join(__dirname, 'schema-diff.mjs');

/** Exit code and output of the schema diff (it runs the built migrations: `npm run build` first). */
async function schemaDiff(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await run(process.execPath, [TOOL, ...args], { timeout: 60_000 });
    return { code: 0, out: r.stdout };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

describe('prisma/schema and the SQL migrations', () => {
  it('agree: the database the runner builds needs no change to match the schema', async () => {
    const r = await schemaDiff([]);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  }, 90_000);

  it('a drift between them is reported with the SQL that closes it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-schema-diff-'));
    try {
      const db = await PgliteSqlDb.open(dir);
      await runMigrations(db, authMigrations);
      await db.exec('ALTER TABLE users DROP COLUMN display_name');
      await db.close();
      const r = await schemaDiff(['--db', dir]);
      expect(r.code).toBe(2);
      expect(r.out).toContain('ALTER TABLE "users" ADD COLUMN');
      expect(r.out).toContain('"display_name" TEXT NOT NULL');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
