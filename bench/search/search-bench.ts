import { runMigrations, SqlDb } from '@parley/ports';
import { intArg } from '../support/int-arg';
import { messagingMigrations } from '@parley/messaging-service';
import { SearchRepository } from '../../libs/messaging-service/src/search/search.repository';
import { openScratchDb } from '../support/scratch-db';

/**
 * Search latency over a large projection (issue 13.3, docs/adr/0015-search.md): loads N messages
 * straight into `search_messages` (texts of 8 words drawn, skewed, from a vocabulary of 5,000),
 * spread over C conversations, then times the repository's query as the gateway runs it, for a
 * user who is a member of M conversations.
 *
 *   node dist/bench/search/search-bench.js [--messages 1000000] [--conversations 2000] [--member-of 50] [--queries 200] [--db postgres|pglite] [--keep NAME]
 *
 * --db postgres (default) uses PARLEY_POSTGRES_URL's server, in a database of its own (created and dropped).
 * --keep NAME keeps that database (parley_search_bench_keep_NAME) and loads it only when it is empty,
 * so the load runs once and the queries can be timed later, alone on the machine; drop it by hand after.
 */
interface Args {
  messages: number;
  conversations: number;
  memberOf: number;
  queries: number;
  db: 'pglite' | 'postgres';
  keep?: string;
}

function parse(argv: string[]): Args {
  const a: Args = { messages: 1_000_000, conversations: 2000, memberOf: 50, queries: 200, db: 'postgres' };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--messages') a.messages = intArg(k, v, 1000, 20_000_000);
    else if (k === '--conversations') a.conversations = intArg(k, v, 1, 1_000_000);
    else if (k === '--member-of') a.memberOf = intArg(k, v, 1, 100_000);
    else if (k === '--queries') a.queries = intArg(k, v, 1, 100_000);
    else if (k === '--db' && (v === 'pglite' || v === 'postgres')) a.db = v;
    else if (k === '--keep' && v !== undefined) a.keep = v;
    else throw new Error(`unknown argument ${k} ${v ?? ''}`);
  }
  if (a.keep !== undefined && a.db !== 'postgres') throw new Error('--keep needs --db postgres');
  a.memberOf = Math.min(a.memberOf, a.conversations);
  return a;
}

const BATCH = 50_000;

/** Conversations, the bench user's memberships, then the messages in batches (all generated in SQL). */
async function load(db: SqlDb, a: Args): Promise<void> {
  await db.query(
    `INSERT INTO conversations (id, type, created_at, last_activity_at) SELECT 'c-' || g, 'group', now(), now() FROM generate_series(0, $1::int - 1) g`,
    [a.conversations],
  );
  await db.query(
    `INSERT INTO memberships (conversation_id, user_id, role, joined_at) SELECT 'c-' || g, 'bench-user', 'member', now() FROM generate_series(0, $1::int - 1) g`,
    [a.memberOf],
  );
  for (let from = 0; from < a.messages; from += BATCH) {
    const to = Math.min(a.messages, from + BATCH) - 1;
    await db.query(
      `INSERT INTO search_messages (conversation_id, seq, created_at, message, tsv)
       SELECT c, s, at, jsonb_build_object('id', 'm-' || g, 'conversation_id', c, 'seq', s, 'sender_id', 'u-' || (g % 997), 'client_msg_id', 'k-' || g, 'body', jsonb_build_object('text', txt), 'created_at', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
              to_tsvector('simple', txt)
         FROM (SELECT g, 'c-' || (g % $3::int) AS c, g / $3::int + 1 AS s, timestamptz '2026-01-01' + g * interval '1 second' AS at,
                      (SELECT string_agg('w' || floor(power(random(), 3) * 5000)::int, ' ') FROM generate_series(1, 8 + (g % 1)) x) AS txt
                 FROM generate_series($1::int, $2::int) g) rows`,
      [from, to, a.conversations],
    );
  }
  await db.query('ANALYZE search_messages');
  await db.query('ANALYZE memberships');
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function main(): Promise<void> {
  const a = parse(process.argv.slice(2));
  const { db, drop } = await openScratchDb(a.db, 'search_bench', 2, a.keep);
  try {
    await runMigrations(db, messagingMigrations);
    const stored = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM search_messages')).rows[0]?.n ?? 0);
    if (stored === 0) {
      const loadStart = Date.now();
      await load(db, a);
      console.log(`loaded ${a.messages} messages in ${a.conversations} conversations (bench user in ${a.memberOf}) in ${((Date.now() - loadStart) / 1000).toFixed(1)} s (${a.db})`);
    } else if (stored !== a.messages) throw new Error(`the kept database holds ${stored} messages, not ${a.messages}: drop it or name another`);
    else console.log(`reusing the kept database's ${stored} messages`);
    const repo = new SearchRepository(db);
    // Typical queries: a common word, a mid-frequency one, a rare one, two words; all conversations or one; page 2.
    const cases: Array<{ name: string; run: (i: number) => Promise<unknown> }> = [
      { name: 'common word, all conversations', run: (i) => repo.search('bench-user', { q: `w${i % 5}`, conversation_id: null, limit: 50, cursor: null }) },
      { name: 'mid word, all conversations', run: (i) => repo.search('bench-user', { q: `w${400 + (i % 100)}`, conversation_id: null, limit: 50, cursor: null }) },
      { name: 'rare word, all conversations', run: (i) => repo.search('bench-user', { q: `w${4000 + (i % 900)}`, conversation_id: null, limit: 50, cursor: null }) },
      { name: 'two words, all conversations', run: (i) => repo.search('bench-user', { q: `w${i % 20} w${100 + (i % 50)}`, conversation_id: null, limit: 50, cursor: null }) },
      { name: 'mid word, one conversation', run: (i) => repo.search('bench-user', { q: `w${400 + (i % 100)}`, conversation_id: `c-${i % a.memberOf}`, limit: 50, cursor: null }) },
      {
        name: 'mid word, second page',
        run: async (i) => {
          const first = await repo.search('bench-user', { q: `w${400 + (i % 100)}`, conversation_id: null, limit: 20, cursor: null });
          if (!first.next_cursor) return 'no second page';
          const t = process.hrtime.bigint();
          await repo.search('bench-user', { q: `w${400 + (i % 100)}`, conversation_id: null, limit: 20, cursor: first.next_cursor });
          return Number(process.hrtime.bigint() - t) / 1e6;
        },
      },
    ];
    console.log('| query | p50 ms | p99 ms | max ms |');
    console.log('| --- | ---: | ---: | ---: |');
    for (const c of cases) {
      for (let i = 0; i < 5; i++) await c.run(i); // warm-up
      const times: number[] = [];
      for (let i = 0; i < a.queries; i++) {
        const t = process.hrtime.bigint();
        const r = await c.run(i);
        if (r === 'no second page') continue; // a page that does not exist is not a sample
        times.push(typeof r === 'number' ? r : Number(process.hrtime.bigint() - t) / 1e6);
      }
      times.sort((x, y) => x - y);
      console.log(`| ${c.name} (${times.length} samples) | ${percentile(times, 50).toFixed(1)} | ${percentile(times, 99).toFixed(1)} | ${(times[times.length - 1] ?? 0).toFixed(1)} |`);
    }
  } finally {
    await drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
