import { generateKeyPairSync } from 'node:crypto';
import { ApnsPushProvider } from '@parley/adapters';
import { Message } from '@parley/domain';
import { createLogger, Metrics } from '@parley/observability';
import { ConversationEvent, LogRecord, MembershipDirectory, MemoryPresenceStore, runMigrations } from '@parley/ports';
import { notificationMigrations, PushDispatcher, PushEventsConsumer, PushMetrics, PushOutboxRepository, PushSettingsService } from '@parley/notification-service';
import { FakeApnsServer } from '../../libs/adapters/src/testing/push/fake-apns.server';
import { makeTestTls } from '../../libs/adapters/src/testing/push/test-ca';
import { openScratchDb } from '../support/scratch-db';

/**
 * Pushes per second the notification service sustains: offline members of many small groups, each
 * with an APNs device; one message per group. The service's consumer admits the messages while its
 * dispatcher sends through the real @parse/node-apn to a local APNs (HTTP/2 + TLS) in this process.
 *
 *   node dist/bench/push/push-throughput.js [--groups 2000] [--members 3] [--db pglite|postgres] [--rate 0]
 *
 * --rate 0 (default) admits every message at once (a burst: the throughput); --rate N admits N
 * messages per second (a steady load: the persisted-to-accepted latency at that rate).
 * --db postgres uses PARLEY_POSTGRES_URL's server, in a database of its own (created and dropped).
 */
interface Args {
  groups: number;
  members: number;
  db: 'pglite' | 'postgres';
  rate: number;
}

function parse(argv: string[]): Args {
  const a: Args = { groups: 2000, members: 3, db: 'pglite', rate: 0 };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--groups') a.groups = Math.max(1, Math.min(100_000, Number(v)));
    else if (k === '--members') a.members = Math.max(1, Math.min(50, Number(v)));
    else if (k === '--db' && (v === 'pglite' || v === 'postgres')) a.db = v;
    else if (k === '--rate') a.rate = Math.max(0, Math.min(100_000, Number(v)));
    else throw new Error(`unknown argument ${k} ${v ?? ''}`);
  }
  return a;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  const total = args.groups * args.members;
  const tls = makeTestTls(['localhost']);
  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const apns = new FakeApnsServer(tls, keys.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const port = await apns.start();
  const { db, drop } = await openScratchDb(args.db, 'push_bench', 10);
  const provider = new ApnsPushProvider({
    key: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    keyId: 'BENCHKEY01',
    teamId: 'BENCHTEAM1',
    defaultTopic: 'com.example.bench',
    production: true,
    address: `localhost:${port}`,
    ca: [tls.ca],
  });
  try {
    await runMigrations(db, notificationMigrations);
    const groupMembers = (g: number) => Array.from({ length: args.members + 1 }, (_, i) => `u-${g}-${i}`);
    const members: MembershipDirectory = {
      memberCount: async () => args.members + 1,
      memberIds: async (c) => groupMembers(Number(c.slice(2))),
      directPartners: async () => [],
      pushContext: async (_u, c) => ({ unread_total: 1, title: `Group ${c}` }),
    };
    const users: string[] = [];
    const tokens: string[] = [];
    for (let g = 0; g < args.groups; g++) {
      for (const u of groupMembers(g).slice(1)) {
        users.push(u);
        tokens.push(Buffer.from(u.padEnd(32, '.')).toString('hex').slice(0, 64).padEnd(64, '0'));
      }
    }
    await db.query(
      `INSERT INTO push_devices (token, user_id, session_id, platform, app_id) SELECT t, u, 's', 'apns', 'com.example.bench' FROM unnest($1::text[], $2::text[]) AS x(t, u)`,
      [tokens, users],
    );
    const metrics = new PushMetrics(new Metrics({ bench: 'push' }));
    const logger = createLogger('push-bench', 'warn');
    const consumer = new PushEventsConsumer(members, new MemoryPresenceStore(), db.relational(), new PushSettingsService(db.relational()), metrics, {
      policy: { threshold: 1000, typingSampleMs: 2000 },
      coalesceMs: 0,
      outboxMax: total * 2,
    });
    const dispatcher = new PushDispatcher(db.relational(), new PushOutboxRepository(db.relational()), members, { getUser: async () => null }, { apns: provider }, metrics, logger, {
      coalesceMs: 0, pollMs: 5, batch: 100, maxInFlight: 400, leaseMs: 60_000, maxAttempts: 5, backoffBaseMs: 50, backoffMaxMs: 1000, breakerThreshold: 50, breakerOpenMs: 1000, ledgerMaxAgeMs: 3600_000,
    });
    const createdAt = new Map<string, number>();
    const started = Date.now();
    dispatcher.start();
    const step = args.rate > 0 ? Math.max(1, Math.round(args.rate / 20)) : 100;
    for (let g = 0; g < args.groups; g += step) {
      if (args.rate > 0) {
        const due = started + (g / args.rate) * 1000;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      }
      const batch: LogRecord<ConversationEvent>[] = [];
      for (let i = g; i < Math.min(args.groups, g + step); i++) {
        const now = new Date();
        createdAt.set(`c-${i}`, now.getTime());
        const message: Message = { id: `m-${i}`, conversation_id: `c-${i}`, seq: 1, sender_id: `u-${i}-0`, client_msg_id: `k-${i}`, body: { text: `hello group ${i}` }, created_at: now.toISOString() };
        batch.push({ topic: 'events', partition: 0, offset: String(i), key: message.conversation_id, value: { type: 'message.created', message, origin: null, created: true }, headers: {}, timestamp: now.getTime() });
      }
      await consumer.handleBatch(batch);
    }
    const admitted = Date.now();
    await apns.waitFor(total, 300_000);
    const finished = Date.now();
    await dispatcher.stop();
    const latencies = apns.requests.map((r) => r.at - (createdAt.get(String(r.body.conversation_id)) ?? r.at)).sort((a, b) => a - b);
    const seconds = (finished - started) / 1000;
    const result = {
      db: args.db,
      rate: args.rate || 'burst',
      groups: args.groups,
      offline_members_per_group: args.members,
      pushes: apns.requests.length,
      seconds: Number(seconds.toFixed(2)),
      pushes_per_second: Math.round(apns.requests.length / seconds),
      admission_seconds: Number(((admitted - started) / 1000).toFixed(2)),
      persisted_to_accepted_ms: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] },
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await provider.close();
    await apns.stop();
    await drop();
    tls.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`push bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
