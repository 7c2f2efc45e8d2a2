import { Message } from '@parley/domain';
import { Metrics } from '@parley/observability';
import { MembershipDirectory, MemoryPresenceStore, runMigrations, SqlDb } from '@parley/ports';
import { notificationMigrations, PushEventsConsumer, PushMetrics } from '@parley/notification-service';
import { presenceMigrations } from '@parley/presence-service';
import { LastSeenStore } from '../../libs/presence-service/src/last-seen-store';
import { intArg } from '../support/int-arg';
import { openScratchDb } from '../support/scratch-db';

/**
 * The statements of presence and the push pipeline that run per connection or per message
 * (issue 14), as shipped (hand-written, through Prisma Client: `$executeRaw` / `$queryRaw`) against
 * the same statements through `SqlDb` (before issue 14), interleaved in one process on one
 * database (CPU of this process per call, median of blocks):
 * - last_seen write: a burst of `--batch` users going offline (LastSeenStore.record, one upsert);
 * - last_seen read: a burst of `--batch` watched users coming online (LastSeenStore.get, one read);
 * - recipients: the consumer's choice of whom to push for a message in a group of `--batch`
 *   members with devices (PushEventsConsumer.recipients, one read per persisted message).
 *
 *   node dist/bench/relational/presence-push-bench.js [--db pglite|postgres] [--batch 30] [--calls 1500] [--blocks 6]
 *
 * --db postgres uses PARLEY_POSTGRES_URL's server in a database of its own, dropped after.
 */
interface Args {
  db: 'pglite' | 'postgres';
  batch: number;
  calls: number;
  blocks: number;
}

const USERS = 3000;

function parse(argv: string[]): Args {
  const a: Args = { db: 'pglite', batch: 30, calls: 1500, blocks: 6 };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--batch') a.batch = intArg(k, v, 1, 500);
    else if (k === '--calls') a.calls = intArg(k, v, 10, 1_000_000);
    else if (k === '--blocks') a.blocks = intArg(k, v, 1, 100);
    else if (k === '--db' && (v === 'pglite' || v === 'postgres')) a.db = v;
    else throw new Error(`unknown argument ${k} ${v ?? ''}`);
  }
  return a;
}

/** One call of a way: `i` walks the users, so calls do not repeat one batch. */
type Call = (i: number) => Promise<void>;

async function seed(db: SqlDb, users: string[]): Promise<void> {
  await runMigrations(db, [...presenceMigrations, ...notificationMigrations]);
  const tokens = users.map((u) => `token-${u}`);
  await db.query(`INSERT INTO last_seen (user_id, last_seen_at) SELECT u, now() FROM unnest($1::text[]) AS u`, [users]);
  await db.query(`INSERT INTO push_devices (token, user_id, session_id, platform, app_id) SELECT t, u, 's', 'fcm', 'bench' FROM unnest($1::text[], $2::text[]) AS x(t, u)`, [tokens, users]);
  // Every tenth user muted the bench's conversations, so the settings' rules have work to do.
  const muted = users.filter((_, i) => i % 10 === 0);
  await db.query(`INSERT INTO push_conversation_settings (user_id, conversation_id, level) SELECT u, 'c-' || (n % 50), 'none' FROM unnest($1::text[]) WITH ORDINALITY AS x(u, n)`, [muted]);
}

async function timeBlock(call: Call, n: number, start: number): Promise<number> {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await call(start + i);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / n;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const a = parse(process.argv.slice(2));
  const scratch = await openScratchDb(a.db, 'presence_push_bench', 2);
  try {
    const sql = scratch.db;
    const users = Array.from({ length: USERS }, (_, i) => `bench-user-${String(i).padStart(6, '0')}`);
    await seed(sql, users);
    const batchOf = (i: number) => {
      const from = (i * a.batch) % (users.length - a.batch);
      return users.slice(from, from + a.batch);
    };
    const store = new LastSeenStore(sql.relational());
    const groups: MembershipDirectory = {
      memberCount: async () => a.batch + 1,
      memberIds: async (c) => ['bench-sender', ...batchOf(Number(c.slice(2)))],
      directPartners: async () => [],
      pushContext: async () => ({ unread_total: 0, title: null }),
    };
    const consumer = new PushEventsConsumer(groups, new MemoryPresenceStore(), sql.relational(), { dropSessionDevices: async () => 0 }, new PushMetrics(new Metrics({ bench: 'relational' })), {
      policy: { threshold: 1000, typingSampleMs: 2000 },
      coalesceMs: 0,
      outboxMax: 1000,
    });
    const message = (i: number): Message => ({ id: `m-${i}`, conversation_id: `c-${i % 50}`, seq: i + 1, sender_id: 'bench-sender', client_msg_id: `k-${i}`, body: { text: 'hi' }, created_at: new Date().toISOString() });
    const expectLength = (what: string, got: number, want: number) => {
      if (got !== want) throw new Error(`${what}: ${got} rows, expected ${want}`);
    };
    const ways: Record<string, Record<'shipped' | 'sql', Call>> = {
      'last_seen write': {
        shipped: async (i) => void (await Promise.all(batchOf(i).map((u) => store.record(u, new Date())))),
        sql: async (i) => {
          const batch = batchOf(i);
          const at = new Date().toISOString();
          const rows = batch.map((_, j) => `($${2 * j + 1}, $${2 * j + 2}::timestamptz)`);
          await sql.query(
            `INSERT INTO last_seen (user_id, last_seen_at) VALUES ${rows.join(', ')}
             ON CONFLICT (user_id) DO UPDATE SET last_seen_at = GREATEST(last_seen.last_seen_at, EXCLUDED.last_seen_at)`,
            batch.flatMap((u) => [u, at]),
          );
        },
      },
      'last_seen read': {
        shipped: async (i) => expectLength('read', (await Promise.all(batchOf(i).map((u) => store.get(u)))).filter((x) => x !== null).length, a.batch),
        sql: async (i) => expectLength('read', (await sql.query(`SELECT user_id, last_seen_at FROM last_seen WHERE user_id = ANY($1::text[])`, [batchOf(i)])).rows.length, a.batch),
      },
      recipients: {
        shipped: async (i) => void (await consumer.recipients(message(i))),
        sql: async (i) => {
          const m = message(i);
          await sql.query(
            `SELECT DISTINCT d.user_id FROM push_devices d
              WHERE d.user_id = ANY($1::text[])
                AND NOT EXISTS (SELECT 1 FROM push_conversation_settings s
                                 WHERE s.conversation_id = $2 AND s.user_id = d.user_id
                                   AND (s.level = 'none' OR (s.level = 'mentions' AND NOT (d.user_id = ANY($3::text[]))) OR (s.muted_until IS NOT NULL AND s.muted_until > now())))`,
            [batchOf(i), m.conversation_id, []],
          );
        },
      },
    };
    const perBlock = Math.max(1, Math.floor(a.calls / a.blocks));
    console.log(`presence and push statements on ${a.db}, batches of ${a.batch}, ${a.blocks} interleaved blocks of ${perBlock} calls each (median of blocks, CPU of this process):`);
    for (const [name, way] of Object.entries(ways)) {
      for (const call of Object.values(way)) await timeBlock(call, Math.min(200, perBlock), 0); // warm-up (JIT, plan caches)
      const samples: Record<'shipped' | 'sql', number[]> = { shipped: [], sql: [] };
      for (let b = 0; b < a.blocks; b++) {
        const order: ('shipped' | 'sql')[] = b % 2 ? ['sql', 'shipped'] : ['shipped', 'sql'];
        for (const w of order) samples[w].push(await timeBlock(way[w], perBlock, b * 7919));
      }
      const [shipped, before] = [median(samples.shipped), median(samples.sql)];
      console.log(`  ${name.padEnd(16)} through Prisma ($queryRaw/$executeRaw) ${shipped.toFixed(3)} ms, via SqlDb ${before.toFixed(3)} ms per call: ${(shipped / before).toFixed(2)} x, +${((1000 * (shipped - before)) / a.batch).toFixed(1)} us per user`);
      console.log(`    blocks: Prisma ${samples.shipped.map((x) => x.toFixed(3)).join(' ')}; SqlDb ${samples.sql.map((x) => x.toFixed(3)).join(' ')}`);
    }
  } finally {
    await scratch.drop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
