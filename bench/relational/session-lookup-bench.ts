import { runMigrations, SqlDb } from '@parley/ports';
import { intArg } from '../support/int-arg';
import { authMigrations } from '@parley/auth-service';
import { SessionsRepository } from '../../libs/auth-service/src/storage/sessions.repository';
import { openScratchDb } from '../support/scratch-db';
import { median } from '../metrics/stats';

/**
 * The one relational query of connection setup (issue 14): a gateway that does not know a token's
 * session yet (after a restart, none) asks the auth service about a batch of sessions at a time
 * (`sessionsActive`, `SessionsRepository.activeAmong`). Times that lookup four ways, in interleaved
 * blocks in one process on one database, so all see the same machine load (CPU per lookup): as
 * shipped (the repository: the statement through `SqlDb`), the same statement as `$queryRaw`
 * through Prisma Client (the second port), Prisma Client's model API (`findMany` with
 * `id: { in }`, the first port), and the bare statement through `SqlDb`.
 *
 *   node dist/bench/relational/session-lookup-bench.js [--db pglite|postgres] [--batch 30] [--lookups 3000] [--blocks 6]
 *
 * --db pglite (default) is standalone's path (pglite-prisma-adapter on PGlite in this process: the
 * process CPU is all of it); --db postgres is the mesh's (@prisma/adapter-pg, PARLEY_POSTGRES_URL,
 * a database of its own, dropped after; the process CPU is the auth service's share, not Postgres's).
 */
interface Args {
  db: 'pglite' | 'postgres';
  batch: number;
  lookups: number;
  blocks: number;
}

const SESSIONS = 4000;

function parse(argv: string[]): Args {
  const a: Args = { db: 'pglite', batch: 30, lookups: 3000, blocks: 6 };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--batch') a.batch = intArg(k, v, 1, 1000);
    else if (k === '--lookups') a.lookups = intArg(k, v, 10, 1_000_000);
    else if (k === '--blocks') a.blocks = intArg(k, v, 1, 100);
    else if (k === '--db' && (v === 'pglite' || v === 'postgres')) a.db = v;
    else throw new Error(`unknown argument ${k} ${v ?? ''}`);
  }
  return a;
}

type Lookup = (ids: string[]) => Promise<number>;

async function seed(db: SqlDb): Promise<string[]> {
  await runMigrations(db, authMigrations);
  const ids = Array.from({ length: SESSIONS }, (_, i) => `bench-session-${String(i).padStart(8, '0')}`);
  const users = ids.map((_, i) => `bench-user-${i}`);
  await db.query(
    `INSERT INTO users (id, username_lower, username, display_name, password_hash) SELECT u, u, u, u, 'x' FROM unnest($1::text[]) AS u`,
    [users],
  );
  await db.query(`INSERT INTO sessions (id, user_id) SELECT * FROM unnest($1::text[], $2::text[])`, [ids, users]);
  // Every tenth session revoked, so the filter has work to do.
  await db.query(`UPDATE sessions SET revoked_at = now() WHERE id = ANY($1::text[])`, [ids.filter((_, i) => i % 10 === 0)]);
  return ids;
}

/** CPU ms per lookup over `n` lookups of `batch` ids each, walking the session ids. */
async function timeBlock(lookup: Lookup, ids: string[], batch: number, n: number, start: number): Promise<number> {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const from = (start + i * batch) % (ids.length - batch);
    const want = ids.slice(from, from + batch);
    const expected = want.filter((id) => Number(id.slice(-8)) % 10 !== 0).length;
    const got = await lookup(want);
    if (got !== expected) throw new Error(`lookup answered ${got} active sessions, expected ${expected}`);
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / n;
}

async function main(): Promise<void> {
  const a = parse(process.argv.slice(2));
  const scratch = await openScratchDb(a.db, 'session_lookup_bench', 2);
  try {
    const ids = await seed(scratch.db);
    const rel = scratch.db.relational();
    const repo = new SessionsRepository(rel, scratch.db);
    const ways: Record<string, Lookup> = {
      shipped: async (b) => (await repo.activeAmong(b)).size,
      raw: async (b) => (await rel.run((c) => c.$queryRaw<{ id: string }[]>`SELECT id FROM sessions WHERE id = ANY(${b}::text[]) AND revoked_at IS NULL`)).length,
      model: async (b) => (await rel.run((c) => c.session.findMany({ where: { id: { in: b }, revokedAt: null }, select: { id: true } }))).length,
      sql: async (b) =>
        (await scratch.db.query<{ id: string }>(`SELECT id FROM sessions WHERE id = ANY($1::text[]) AND revoked_at IS NULL`, [b])).rows.length,
    };
    const perBlock = Math.max(1, Math.floor(a.lookups / a.blocks));
    for (const lookup of Object.values(ways)) await timeBlock(lookup, ids, a.batch, Math.min(300, perBlock), 0); // warm-up (JIT, plan caches)
    const names = Object.keys(ways);
    const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let b = 0; b < a.blocks; b++) {
      // Rotate which way goes first, so none always follows another.
      const order = names.map((_, i) => names[(i + b) % names.length]);
      for (const way of order) samples[way].push(await timeBlock(ways[way], ids, a.batch, perBlock, b * 7919));
    }
    const sql = median(samples.sql);
    const label: Record<string, string> = { shipped: 'as shipped (SessionsRepository)', raw: '$queryRaw through Prisma Client', model: 'Prisma model API (findMany)', sql: 'SQL via SqlDb' };
    console.log(`session lookup on ${a.db}, batches of ${a.batch}, ${a.blocks} interleaved blocks of ${perBlock} lookups each (median of blocks, CPU of this process):`);
    for (const n of names) {
      const m = median(samples[n]);
      const extra = n === 'sql' ? '' : `, ${(m / sql).toFixed(2)} x SQL, +${((1000 * (m - sql)) / a.batch).toFixed(1)} us per connection checked`;
      console.log(`  ${label[n].padEnd(34)} ${m.toFixed(3)} ms per lookup, ${((1000 * m) / a.batch).toFixed(1)} us per session${extra}`);
      console.log(`    blocks: ${samples[n].map((x) => x.toFixed(3)).join(' ')}`);
    }
  } finally {
    await scratch.drop(); // closes the Prisma client with the database
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
