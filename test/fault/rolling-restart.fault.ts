/**
 * Rolling restart without loss (issue 11): the mesh in rolling mode (PARLEY_MESH_ROLLING=1, two
 * gateways) gets SIGUSR2 and restarts every process one at a time as a Deployment rollout would
 * (start the new instance, wait until ready, SIGTERM the old: gateways drain over PARLEY_DRAIN_MS).
 * Meanwhile three senders send without pause to two groups of 50 members and one group of
 * PARLEY_ROLLING_BIG_GROUP (default 5,000) members, and receivers of every group are connected
 * through the SDK. Then: no loss, no gap, no visible duplicate (history checker, every receiver
 * complete), every client closed by a drain had its next hello within the drain window + 5 s, and
 * the replaced services left their consumer groups (only the new instances are members). Its Kafka
 * names carry a prefix of their own (PARLEY_KAFKA_NAME_PREFIX), removed afterwards.
 * The persisted-ack latency during the rollout is printed (docs/benchmarks.md). Mesh target only.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { AuthResult, WireConversation } from '../support/contract';
import { HistoryChecker } from '../support/history-checker';
import { rest, restOk } from '../support/rest';
import { sdkClient, type SdkClient } from '../support/sdk';
import { useParley } from '../support/suite';
import { eventually, sleep } from '../support/wait';

const DRAIN_MS = 4000;
const BIG = Number(process.env.PARLEY_ROLLING_BIG_GROUP || 5000);
const SMALL = 50;
/** Receivers of the big group that are connected (all of its members are in it). */
const BIG_RECEIVERS = 20;
const SENDERS = 3;
const SEND_PACE_MS = 120;
const ROLL_TIMEOUT_MS = 6 * 60_000;

const KAFKA_PREFIX = `roll-${randomBytes(4).toString('hex')}.`;
const brokers = (process.env.PARLEY_KAFKA_BROKERS || '127.0.0.1:9092').split(',');
const parley = useParley({
  env: {
    PARLEY_KAFKA_NAME_PREFIX: KAFKA_PREFIX,
    PARLEY_MESH_ROLLING: '1',
    PARLEY_MESH_GATEWAYS: '2',
    PARLEY_DRAIN_MS: String(DRAIN_MS),
    PARLEY_PASSWORD_HASH_COST: 'test',
    PARLEY_SEND_RATE_PER_SECOND: '1000',
  },
});

afterAll(async () => {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(KAFKA_PREFIX));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
}, 60_000);

/** Members of each of the mesh's consumer groups, by group name without the prefix. */
async function groupMembers(): Promise<Record<string, number>> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const names = ['parley-messaging-sequencer', 'parley-fanout', 'parley-notification'];
    const { groups } = await admin.describeGroups(names.map((n) => KAFKA_PREFIX + n));
    return Object.fromEntries(groups.map((g) => [g.groupId.slice(KAFKA_PREFIX.length), g.members.length]));
  } finally {
    await admin.disconnect();
  }
}

interface User {
  id: string;
  token: string;
}

async function register(baseUrl: string, username: string): Promise<User> {
  for (let attempt = 1; ; attempt++) {
    const res = await rest<AuthResult>(baseUrl, 'POST', '/v1/auth/register', { json: { username, password: `pw-${username}` } });
    if (res.status === 201 && res.body) return { id: res.body.user.id, token: res.body.access_token };
    if (attempt >= 5) throw new Error(`register ${username}: ${res.status}`);
    await sleep(200 * attempt);
  }
}

async function registerAll(baseUrls: string[], prefix: string, count: number): Promise<User[]> {
  const users: User[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < count) {
        const i = next++;
        users[i] = await register(baseUrls[i % baseUrls.length], `${prefix}_${i}`);
      }
    }),
  );
  return users;
}

const TEST_TIMEOUT_MS = 15 * 60_000;

describe('rolling restart of the whole mesh', () => {
  test('every gateway and service restarted one at a time under continuous sends: no loss, no gap, no duplicate; clients back within the drain window + 5 s', async () => {
    const p = parley.current;
    const gateways = p.gatewayUrls();
    const checker = new HistoryChecker(p.baseUrl);
    const prefix = `roll${Date.now().toString(36)}`;
    const users = await registerAll(gateways.map((g) => g.baseUrl), prefix, Math.max(BIG, 2 * SMALL + SENDERS));
    const senders = users.slice(0, SENDERS);
    const smallMembers = [users.slice(SENDERS, SENDERS + SMALL - SENDERS), users.slice(SENDERS + SMALL, SENDERS + 2 * SMALL - SENDERS)];
    const creator = senders[0];
    const conversations: WireConversation[] = [];
    for (const [i, members] of smallMembers.entries()) {
      conversations.push(await restOk<WireConversation>(p.baseUrl, 'POST', '/v1/conversations', 201, { token: creator.token, json: { type: 'group', title: `small ${i}`, member_ids: [...senders.slice(1), ...members].map((u) => u.id) } }));
    }
    const big = await restOk<WireConversation>(p.baseUrl, 'POST', '/v1/conversations', 201, { token: creator.token, json: { type: 'group', title: 'big', member_ids: senders.slice(1).map((u) => u.id) } });
    const bigIds = users.slice(SENDERS).map((u) => u.id);
    for (let i = 0; i < bigIds.length; i += 1000) {
      await restOk(p.baseUrl, 'POST', `/v1/conversations/${big.id}/members`, 200, { token: creator.token, json: { user_ids: bigIds.slice(i, i + 1000) } });
    }
    conversations.push(big);
    for (const c of conversations) checker.addReader(c.id, creator.token);

    // Receivers: every member of both small groups, and BIG_RECEIVERS members only in the big group.
    const receivers: Array<{ user: User; conversations: WireConversation[] }> = [
      ...smallMembers[0].map((u) => ({ user: u, conversations: [conversations[0], big] })),
      ...smallMembers[1].map((u) => ({ user: u, conversations: [conversations[1], big] })),
      ...users.slice(SENDERS + 2 * SMALL, SENDERS + 2 * SMALL + BIG_RECEIVERS).map((u) => ({ user: u, conversations: [big] })),
    ];
    const clients: Array<{ sdk: SdkClient; id: string; conversations: WireConversation[]; closes: Array<{ code: number; at: number }>; hellos: number[] }> = [];
    const connect = async (user: User, id: string, convs: WireConversation[], i: number) => {
      const sdk = sdkClient(gateways[i % gateways.length].wsUrl, () => user.token, { checker, clientId: id, userId: user.id, options: { sendTimeoutMs: 120_000, reconnect: { initialMs: 100, maxMs: 1000, jitter: 0.5 } } });
      const entry = { sdk, id, conversations: convs, closes: [] as Array<{ code: number; at: number }>, hellos: [] as number[] };
      sdk.client.on('hello', () => entry.hellos.push(Date.now()));
      const seen = new Set<unknown>();
      sdk.client.on('state', () => {
        for (const s of sdk.sockets.opened) {
          if (seen.has(s)) continue;
          seen.add(s);
          s.raw.on('close', (code: number) => entry.closes.push({ code, at: Date.now() }));
        }
      });
      for (const c of convs) sdk.client.trackConversation(c.id, 0);
      await sdk.client.connect();
      clients.push(entry);
    };
    try {
      for (let i = 0; i < senders.length; i++) await connect(senders[i], `sender${i}`, conversations, i);
      for (let i = 0; i < receivers.length; i += 10) {
        await Promise.all(receivers.slice(i, i + 10).map((r, j) => connect(r.user, `receiver${i + j}`, r.conversations, i + j)));
      }

      let rolling = true;
      let acked = 0;
      const latencies: number[] = [];
      const sending = clients.slice(0, SENDERS).map(async (c, i) => {
        for (let n = 0; rolling || n < 5; n++) {
          const started = Date.now();
          await c.sdk.client.send(conversations[(n + i) % conversations.length].id, `sender ${i} message ${n}`);
          latencies.push(Date.now() - started);
          acked++;
          await sleep(SEND_PACE_MS);
        }
      });

      await eventually('sends flow before the rollout', async () => expect(acked).toBeGreaterThanOrEqual(10), 60_000);
      const rollStart = Date.now();
      process.kill(p.pid, 'SIGUSR2');
      await eventually(
        'the rolling restart finished',
        async () => {
          const logs = p.logs();
          if (logs.includes('"msg":"mesh rolling restart","status":"failed"')) throw Object.assign(new Error(`rolling restart failed:\n${logs}`), { fatal: true });
          expect(logs).toContain('"msg":"mesh rolling restart","status":"done"');
        },
        ROLL_TIMEOUT_MS,
      );
      const rollMs = Date.now() - rollStart;
      // The old instances left their groups on SIGTERM (no member waits out a session timeout).
      expect(await groupMembers()).toEqual({ 'parley-messaging-sequencer': 2, 'parley-fanout': 1, 'parley-notification': 1 });
      const duringRoll = latencies.slice();
      rolling = false;
      await Promise.all(sending);

      for (const c of conversations) {
        const last = (await restOk<WireConversation>(p.baseUrl, 'GET', `/v1/conversations/${c.id}`, 200, { token: creator.token })).last_seq;
        await eventually(`every client has all ${last} messages of ${c.title}`, async () => {
          for (const client of clients.filter((x) => x.conversations.includes(c))) expect([client.id, client.sdk.client.lastSeqOf(c.id)]).toEqual([client.id, last]);
        }, 60_000);
        checker.expectCompleteDelivery(c.id, clients.filter((x) => x.conversations.includes(c)).map((x) => `${x.id}:app`));
      }
      await checker.verify();

      // Every drain close (1012) was followed by a hello within the drain window + 5 s.
      const drained = clients.flatMap((c) => c.closes.filter((x) => x.code === 1012).map((x) => ({ c, at: x.at })));
      expect(drained.length).toBeGreaterThan(0);
      const back = drained.map(({ c, at }) => (c.hellos.find((h) => h >= at) ?? Infinity) - at);
      expect(Math.max(...back)).toBeLessThanOrEqual(DRAIN_MS + 5000);
      const sorted = duringRoll.sort((a, b) => a - b);
      const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
      process.stdout.write(
        `rolling restart: ${rollMs} ms, ${acked} sends acked, persisted-ack p50 ${sorted[Math.floor(sorted.length / 2)]} ms p99 ${p99} ms max ${sorted[sorted.length - 1]} ms; ` +
          `${drained.length} drain closes, back within max ${Math.max(...back)} ms; ${clients.length} clients, big group ${BIG}\n`,
      );
    } finally {
      for (const c of clients) c.sdk.client.close();
    }
  }, TEST_TIMEOUT_MS);
});
