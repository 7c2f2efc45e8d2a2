import { RelationalDb, runMigrations, SqlDb } from '@parley/ports';
import { intArg } from '../support/int-arg';
import { messagingMigrations } from '../../libs/messaging-service/src/storage/messaging.migrations';
import { openScratchDb } from '../support/scratch-db';
import { median } from '../metrics/stats';

/**
 * Messaging's per-send and per-connection statements (issue 14, docs/adr/0004) through `SqlDb` (as
 * shipped: the repositories run these three through it) against the same statements, same text and
 * parameters, through Prisma Client (`$queryRawUnsafe` of the fixed text, values bound as
 * parameters), interleaved blocks in one process on one database, CPU of this process per operation.
 *
 * - send: one batch of one conversation's sends as the sequencer runs it in steady state: `sendGates`
 *   and the claim statement (new sends each time, so every claim moves last_seq). `senderAliases`
 *   runs once per plain conversation (the sequencer remembers it is not anonymous), so not here.
 * - setup: `socketSetups` of a batch of users (the relational read of connection setup).
 *
 *   node dist/bench/relational/messaging-statements-bench.js [--db pglite|postgres] [--ops 1500] [--blocks 6] [--sends 10] [--users 30]
 */
interface Args {
  db: 'pglite' | 'postgres';
  ops: number;
  blocks: number;
  sends: number;
  users: number;
}

const USERS = 600;
const GROUPS = 60;
const GROUP_SIZE = 40;

function parse(argv: string[]): Args {
  const a: Args = { db: 'pglite', ops: 1500, blocks: 6, sends: 10, users: 30 };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--ops') a.ops = intArg(k, v, 10, 1_000_000);
    else if (k === '--blocks') a.blocks = intArg(k, v, 1, 100);
    else if (k === '--sends') a.sends = intArg(k, v, 1, 200);
    else if (k === '--users') a.users = intArg(k, v, 1, 500);
    else if (k === '--db' && (v === 'pglite' || v === 'postgres')) a.db = v;
    else throw new Error(`unknown argument ${k} ${v ?? ''}`);
  }
  return a;
}

const userId = (i: number) => `bench-user-${String(i % USERS).padStart(5, '0')}`;

/** Groups of GROUP_SIZE consecutive users, and a direct conversation between each user and the next. */
async function seed(db: SqlDb): Promise<void> {
  await runMigrations(db, messagingMigrations);
  const groups = Array.from({ length: GROUPS }, (_, g) => `bench-group-${g}`);
  const directs = Array.from({ length: USERS }, (_, i) => `bench-direct-${i}`);
  await db.query(`INSERT INTO conversations (id, type, created_at, last_activity_at) SELECT g, 'group', now(), now() FROM unnest($1::text[]) AS g`, [groups]);
  await db.query(`INSERT INTO conversations (id, type, direct_key, created_at, last_activity_at) SELECT d, 'direct', d, now(), now() FROM unnest($1::text[]) AS d`, [directs]);
  const [conv, user] = [[] as string[], [] as string[]];
  groups.forEach((g, gi) => {
    for (let m = 0; m < GROUP_SIZE; m++) {
      conv.push(g);
      user.push(userId(gi * GROUP_SIZE + m));
    }
  });
  directs.forEach((d, i) => {
    conv.push(d, d);
    user.push(userId(i), userId(i + 1));
  });
  await db.query(`INSERT INTO memberships (conversation_id, user_id, role, joined_at) SELECT c, u, 'member', now() FROM unnest($1::text[], $2::text[]) AS x(c, u) ON CONFLICT DO NOTHING`, [conv, user]);
}

type Run = (text: string, params: unknown[]) => Promise<{ rows: unknown[] }>;

const throughSqlDb = (db: SqlDb): Run => (text, params) => db.query(text, params);
const throughPrisma = (rel: RelationalDb): Run => async (text, params) => ({ rows: await rel.run((c) => c.$queryRawUnsafe<unknown[]>(text, ...params)) });

/** The statements as the repositories have them (sendGates, the claim, socketSetups), run by `db`. */
function statements(db: Run) {
  return {
    gates: (c: string, ids: string[]) =>
      db(
        `SELECT COALESCE(m.participant_id, m.user_id) AS user_id, m.role, m.muted_until, c.slow_mode_seconds, c.announcement FROM memberships m JOIN conversations c ON c.id = m.conversation_id
          WHERE m.conversation_id = $1 AND ((m.user_id = ANY($2::text[]) AND m.participant_id IS NULL) OR m.participant_id = ANY($3::text[]))`,
        [c, ids, []],
      ),
    claim: (c: string, senders: string[], keys: string[], at: string) =>
      db(
        `WITH input AS (SELECT i.sender_id, i.client_msg_id, i.message_id, i.ord FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS i(sender_id, client_msg_id, message_id, ord)),
         firsts AS (SELECT DISTINCT ON (sender_id, client_msg_id) sender_id, client_msg_id, message_id, ord FROM input ORDER BY sender_id, client_msg_id, ord),
         existing AS (SELECT c.sender_id, c.client_msg_id, c.seq, c.message_id, c.created_at FROM send_claims c JOIN firsts f ON c.conversation_id = $1 AND c.sender_id = f.sender_id AND c.client_msg_id = f.client_msg_id
           UNION ALL SELECT f.sender_id, f.client_msg_id, k.seq, NULL, NULL FROM send_keys k JOIN firsts f ON k.conversation_id = $1 AND k.key_hash = substring(sha256(convert_to(f.sender_id || chr(1) || f.client_msg_id, 'UTF8')) for 16)),
         fresh AS (SELECT f.sender_id, f.client_msg_id, f.message_id, row_number() OVER (ORDER BY f.ord) AS rn FROM firsts f WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.sender_id = f.sender_id AND e.client_msg_id = f.client_msg_id)),
         moved AS (UPDATE conversations SET last_seq = last_seq + (SELECT count(*) FROM fresh), last_activity_at = GREATEST(last_activity_at, $5::timestamptz) WHERE id = $1 AND EXISTS (SELECT 1 FROM fresh) RETURNING last_seq - (SELECT count(*) FROM fresh) AS base),
         claimed AS (INSERT INTO send_claims (conversation_id, sender_id, client_msg_id, seq, message_id, created_at) SELECT $1, f.sender_id, f.client_msg_id, m.base + f.rn, f.message_id, $5::timestamptz FROM fresh f CROSS JOIN moved m RETURNING sender_id, client_msg_id, seq, message_id, created_at)
         SELECT sender_id, client_msg_id, seq::text AS seq, message_id, created_at, true AS created FROM claimed UNION ALL SELECT sender_id, client_msg_id, seq::text AS seq, message_id, created_at, false AS created FROM existing`,
        [c, senders, keys, keys, at],
      ),
    setups: (ids: string[]) =>
      db(
        `SELECT m.user_id, m.conversation_id, CASE WHEN c.type = 'direct' THEN (SELECT other.user_id FROM memberships other WHERE other.conversation_id = m.conversation_id AND other.user_id <> m.user_id LIMIT 1) END AS partner
           FROM memberships m JOIN conversations c ON c.id = m.conversation_id WHERE m.user_id = ANY($1::text[])`,
        [ids],
      ),
  };
}

type Op = (i: number) => Promise<number>;

async function timeBlock(op: Op, n: number, start: number): Promise<number> {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) if ((await op(start + i)) <= 0) throw new Error('an operation answered nothing');
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / n;
}

async function main(): Promise<void> {
  const a = parse(process.argv.slice(2));
  const scratch = await openScratchDb(a.db, 'messaging_statements_bench', 2);
  try {
    await seed(scratch.db);
    const sql = statements(throughSqlDb(scratch.db));
    const prisma = statements(throughPrisma(scratch.db.relational()));
    let serial = 0;
    /** One conversation's batch: `a.sends` new sends from its members. */
    const batch = (i: number, way: string) => {
      const g = i % GROUPS;
      const senders = Array.from({ length: a.sends }, (_, k) => userId(g * GROUP_SIZE + (k % GROUP_SIZE)));
      const keys = senders.map(() => `${way}-${process.pid}-${serial++}`);
      return { conversation: `bench-group-${g}`, senders, keys, unique: [...new Set(senders)] };
    };
    const setupIds = (i: number) => Array.from({ length: a.users }, (_, k) => userId(i * a.users + k));
    const ways: Record<string, Op> = {
      'send, Prisma Client': async (i) => {
        const b = batch(i, 'prisma');
        await prisma.gates(b.conversation, b.unique);
        return (await prisma.claim(b.conversation, b.senders, b.keys, new Date().toISOString())).rows.length;
      },
      'send, SqlDb': async (i) => {
        const b = batch(i, 'sql');
        await sql.gates(b.conversation, b.unique);
        return (await sql.claim(b.conversation, b.senders, b.keys, new Date().toISOString())).rows.length;
      },
      'setup, Prisma Client': async (i) => (await prisma.setups(setupIds(i))).rows.length,
      'setup, SqlDb': async (i) => (await sql.setups(setupIds(i))).rows.length,
    };
    const perBlock = Math.max(1, Math.floor(a.ops / a.blocks));
    for (const op of Object.values(ways)) await timeBlock(op, Math.min(200, perBlock), 0); // warm-up (JIT, plan caches)
    const names = Object.keys(ways);
    const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let b = 0; b < a.blocks; b++) {
      const order = names.map((_, i) => names[(i + b) % names.length]);
      for (const way of order) samples[way].push(await timeBlock(ways[way], perBlock, b * 7919));
    }
    console.log(`messaging statements on ${a.db}: send batches of ${a.sends}, setups of ${a.users} users; ${a.blocks} interleaved blocks of ${perBlock} (median of blocks, CPU of this process):`);
    for (const kind of ['send', 'setup']) {
      const [client, direct] = [median(samples[`${kind}, Prisma Client`]), median(samples[`${kind}, SqlDb`])];
      console.log(`  ${kind.padEnd(6)} Prisma Client ${client.toFixed(3)} ms, SqlDb ${direct.toFixed(3)} ms: ${(client / direct).toFixed(2)} x`);
      for (const way of [`${kind}, Prisma Client`, `${kind}, SqlDb`]) console.log(`    ${way} blocks: ${samples[way].map((x) => x.toFixed(3)).join(' ')}`);
    }
  } finally {
    await scratch.drop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
