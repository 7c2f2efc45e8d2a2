import { randomUUID } from 'node:crypto';
import { isDomainError, LargeGroupPolicy, User } from '@parley/domain';
import { Metrics } from '@parley/observability';
import {
  AppendResult,
  ConversationEvent,
  Consumer,
  ConsumerOptions,
  EmbeddedEventLog,
  EventLog,
  IngressSend,
  LogRecord,
  PgliteSqlDb,
  SqlMessageStore,
  Topics,
  UserDirectory,
  eventLogMigrations,
  messageStoreMigrations,
  runMigrations,
} from '@parley/ports';
import { ConversationService } from './conversation.service';
import { ConversationSequencer } from './sequencer/conversation-sequencer';
import { SendClaimsRepository } from './storage/send-claims.repository';
import { messagingMigrations } from './storage/messaging.migrations';
import { countStoreReads, STORE_READS_METRIC } from './storage/store-reads';

/** The real embedded log, remembering the events appended per conversation. */
class RecordingLog implements EventLog {
  readonly events: Array<{ key: string; value: ConversationEvent }> = [];

  constructor(private readonly inner: EventLog) {}

  async append<T>(topic: string, key: string, value: T, headers: Record<string, string> = {}): Promise<AppendResult> {
    const result = await this.inner.append(topic, key, value, headers);
    if (topic === Topics.events) this.events.push({ key, value: value as ConversationEvent });
    return result;
  }
  consume<T>(options: ConsumerOptions<T>): Promise<Consumer> {
    return this.inner.consume(options);
  }
  healthy(): Promise<boolean> {
    return this.inner.healthy();
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  of(conversationId: string): ConversationEvent[] {
    return this.events.filter((e) => e.key === conversationId).map((e) => e.value);
  }
}

/** Auth's user directory, as far as messaging asks it: which ids exist. */
class KnownUsers implements UserDirectory {
  private readonly ids = new Set<string>();

  add(...ids: string[]): void {
    for (const id of ids) this.ids.add(id);
  }
  async existingIds(ids: readonly string[]): Promise<Set<string>> {
    return new Set(ids.filter((id) => this.ids.has(id)));
  }
  async findByUsername(): Promise<User | null> {
    return null;
  }
}

const policy: LargeGroupPolicy = { threshold: 3, typingSampleMs: 1000 };

let db: PgliteSqlDb;
let embedded: EmbeddedEventLog;
let log: RecordingLog;
let directory: KnownUsers;
let service: ConversationService;
let sequencer: ConversationSequencer;
let metrics: Metrics;

beforeAll(async () => {
  db = await PgliteSqlDb.open(undefined);
  await runMigrations(db, [...messagingMigrations, ...messageStoreMigrations, ...eventLogMigrations]);
  embedded = new EmbeddedEventLog({ db, partitions: 4, retentionIntervalMs: 0, pollIntervalMs: 600_000 });
  log = new RecordingLog(embedded);
  directory = new KnownUsers();
  const messages = new SqlMessageStore(db);
  metrics = new Metrics({ service: 'messaging-test' });
  const reads = countStoreReads(metrics);
  service = new ConversationService(db, messages, directory, log, policy, reads);
  sequencer = new ConversationSequencer(service.repo, new SendClaimsRepository(db), messages, log, { onMalformed: () => undefined, onStoreRead: (op) => reads.count(op) });
});

afterAll(async () => {
  await embedded?.close();
  await db?.close();
});

/** Fresh registered users for one test: `const [alice, bob] = users(2)`. */
function users(n: number): string[] {
  const ids = Array.from({ length: n }, () => `user-${randomUUID()}`);
  directory.add(...ids);
  return ids;
}

/** The domain error code a call fails with, or 'resolved'. */
const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (isDomainError(e) ? e.code : `non-domain error: ${String(e)}`));

/** Sends through the sequencer, as the ingress consumer would (`clientMsgId`: one repeated id for all). */
async function send(conversationId: string, senderId: string, count = 1, clientMsgId?: string): Promise<void> {
  const records: LogRecord<IngressSend>[] = Array.from({ length: count }, (_, i) => ({
    topic: Topics.ingress,
    partition: 0,
    offset: String(i),
    key: conversationId,
    value: {
      type: 'send',
      conversation_id: conversationId,
      sender_id: senderId,
      client_msg_id: clientMsgId ?? randomUUID(),
      body: { text: `message ${i}` },
      origin: { gateway_id: 'gw-1', ref: 'ref' },
      received_at: new Date().toISOString(),
    },
    headers: {},
    timestamp: Date.now(),
  }));
  await sequencer.handleBatch(records);
}

/** Waits for the clock to pass a millisecond, so the next write is strictly later than the last. */
async function nextMillisecond(): Promise<void> {
  const start = Date.now();
  while (Date.now() === start) await new Promise((resolve) => setTimeout(resolve, 1));
}

async function group(admin: string, members: string[], title = 'team'): Promise<string> {
  return (await service.create(admin, { type: 'group', title, member_ids: members })).conversation.id;
}

describe('ConversationService: creating', () => {
  it('creates a direct conversation once per pair: 201 then 200 with the same conversation, from either side', async () => {
    const [alice, bob] = users(2);
    const first = await service.create(alice, { type: 'direct', member_ids: [bob] });
    expect(first.created).toBe(true);
    expect(first.conversation).toMatchObject({ type: 'direct', title: null, member_count: 2, last_seq: 0, me: { role: 'member', last_read_seq: 0, unread_count: 0 } });

    const again = await service.create(alice, { type: 'direct', member_ids: [bob] });
    expect(again).toEqual({ created: false, conversation: first.conversation });
    const fromBob = await service.create(bob, { type: 'direct', member_ids: [alice] });
    expect(fromBob.created).toBe(false);
    expect(fromBob.conversation.id).toBe(first.conversation.id);
  });

  it('announces the members of a new conversation once, and nothing for a repeated direct create', async () => {
    const [alice, bob] = users(2);
    const { conversation } = await service.create(alice, { type: 'direct', member_ids: [bob] });
    await service.create(bob, { type: 'direct', member_ids: [alice] });
    expect(log.of(conversation.id)).toEqual([{ type: 'member.added', conversation_id: conversation.id, user_ids: [alice, bob] }]);
  });

  it('makes the creator of a group its admin and the others members', async () => {
    const [alice, bob, carol] = users(3);
    const { conversation, created } = await service.create(alice, { type: 'group', title: 'Launch', member_ids: [bob, carol, bob] });
    expect(created).toBe(true);
    expect(conversation).toMatchObject({ type: 'group', title: 'Launch', member_count: 3, me: { role: 'admin' } });
    expect((await service.get(bob, conversation.id)).me.role).toBe('member');
    const page = await service.members(alice, conversation.id, 10, null);
    expect(page.items.map((m) => [m.user_id, m.role]).sort()).toEqual([[alice, 'admin'], [bob, 'member'], [carol, 'member']].sort());
  });

  it('rejects an unknown member id with VALIDATION_FAILED and creates nothing', async () => {
    const [alice] = users(1);
    expect(await codeOf(service.create(alice, { type: 'direct', member_ids: ['nobody-' + randomUUID()] }))).toBe('VALIDATION_FAILED');
    expect(await codeOf(service.create(alice, { type: 'group', title: 'x', member_ids: ['ghost-' + randomUUID()] }))).toBe('VALIDATION_FAILED');
    expect((await service.list(alice, 10, null)).items).toEqual([]);
  });

  it('rejects a direct conversation without exactly one other member', async () => {
    const [alice, bob, carol] = users(3);
    expect(await codeOf(service.create(alice, { type: 'direct', member_ids: [] }))).toBe('VALIDATION_FAILED');
    expect(await codeOf(service.create(alice, { type: 'direct', member_ids: [alice] }))).toBe('VALIDATION_FAILED');
    expect(await codeOf(service.create(alice, { type: 'direct', member_ids: [bob, carol] }))).toBe('VALIDATION_FAILED');
  });
});

describe('ConversationService: membership', () => {
  it('answers a non-member NOT_FOUND for get, history, members and read, exactly as for an unknown id', async () => {
    const [alice, bob, eve] = users(3);
    const conv = await group(alice, [bob]);
    await send(conv, alice);
    for (const id of [conv, `conv-${randomUUID()}`]) {
      expect(await codeOf(service.get(eve, id))).toBe('NOT_FOUND');
      expect(await codeOf(service.history(eve, id, { limit: 10 }))).toBe('NOT_FOUND');
      expect(await codeOf(service.members(eve, id, 10, null))).toBe('NOT_FOUND');
      expect(await codeOf(service.markRead(eve, id, 1))).toBe('NOT_FOUND');
    }
    expect(await service.isMember(eve, conv)).toBe(false);
    expect(await service.isMember(bob, conv)).toBe(true);
  });

  it('lets a group admin add members, and reports only the ones actually added', async () => {
    const [alice, bob, carol, dave] = users(4);
    const conv = await group(alice, [bob]);
    expect(await service.addMembers(alice, conv, [carol, bob, carol])).toEqual({ added: [carol] });
    expect(await service.addMembers(alice, conv, [carol])).toEqual({ added: [] });
    expect((await service.get(alice, conv)).member_count).toBe(3);
    expect(await service.isMember(carol, conv)).toBe(true);
    expect(log.of(conv).filter((e) => e.type === 'member.added').slice(1)).toEqual([{ type: 'member.added', conversation_id: conv, user_ids: [carol] }]);
    expect(await codeOf(service.get(dave, conv))).toBe('NOT_FOUND');
  });

  it('forbids a plain member to add, answers a non-member NOT_FOUND, and refuses unknown users', async () => {
    const [alice, bob, carol, eve] = users(4);
    const conv = await group(alice, [bob]);
    expect(await codeOf(service.addMembers(bob, conv, [carol]))).toBe('FORBIDDEN');
    expect(await codeOf(service.addMembers(eve, conv, [carol]))).toBe('NOT_FOUND');
    expect(await codeOf(service.addMembers(alice, conv, [`ghost-${randomUUID()}`]))).toBe('VALIDATION_FAILED');
    expect((await service.get(alice, conv)).member_count).toBe(2);
  });

  it('forbids adding members to a direct conversation', async () => {
    const [alice, bob, carol] = users(3);
    const { conversation } = await service.create(alice, { type: 'direct', member_ids: [bob] });
    expect(await codeOf(service.addMembers(alice, conversation.id, [carol]))).toBe('FORBIDDEN');
  });

  it('lets a member leave and an admin remove, but not a member remove someone else', async () => {
    const [alice, bob, carol] = users(3);
    const conv = await group(alice, [bob, carol]);
    expect(await codeOf(service.removeMember(bob, conv, carol))).toBe('FORBIDDEN');
    await service.removeMember(bob, conv, bob);
    expect(await codeOf(service.get(bob, conv))).toBe('NOT_FOUND');
    await service.removeMember(alice, conv, carol);
    expect(await service.isMember(carol, conv)).toBe(false);
    expect((await service.get(alice, conv)).member_count).toBe(1);
    expect(log.of(conv).filter((e) => e.type === 'member.removed')).toEqual([
      { type: 'member.removed', conversation_id: conv, user_id: bob },
      { type: 'member.removed', conversation_id: conv, user_id: carol },
    ]);
    expect(await codeOf(service.removeMember(alice, conv, carol))).toBe('NOT_FOUND');
  });

  it('lists members in pages', async () => {
    const [alice, ...others] = users(5);
    const conv = await group(alice, others);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page: Awaited<ReturnType<ConversationService['members']>> = await service.members(alice, conv, 2, cursor);
      seen.push(...page.items.map((m) => m.user_id ?? ''));
      cursor = page.next_cursor;
      if (!cursor) break;
    }
    expect(seen.sort()).toEqual([alice, ...others].sort());
  });

  it('names direct partners and the conversations of a user', async () => {
    const [alice, bob, carol] = users(3);
    const direct = (await service.create(alice, { type: 'direct', member_ids: [bob] })).conversation.id;
    const team = await group(alice, [bob, carol]);
    expect(await service.directPartners(alice)).toEqual([bob]);
    expect(await service.directPartners(carol)).toEqual([]);
    expect((await service.conversationIdsOf(alice)).sort()).toEqual([direct, team].sort());
    expect(await service.memberCount(team)).toBe(3);
  });

  it('answers many users\' socket setups in one call, one per user in the order asked', async () => {
    const [alice, bob, carol, dave] = users(4);
    const direct = (await service.create(alice, { type: 'direct', member_ids: [bob] })).conversation.id;
    const team = await group(alice, [bob, carol]);
    const setups = await service.socketSetups([carol, alice, dave, alice]);
    expect(setups.map((s) => s.user_id)).toEqual([carol, alice, dave, alice]);
    expect(setups[0]).toEqual({ user_id: carol, conversation_ids: [team], direct_partners: [] });
    expect(setups[1].conversation_ids.sort()).toEqual([direct, team].sort());
    expect(setups[1].direct_partners).toEqual([bob]);
    expect(setups[2]).toEqual({ user_id: dave, conversation_ids: [], direct_partners: [] });
    expect(setups[3]).toEqual(setups[1]);
    expect(await service.socketSetups([])).toEqual([]);
    await expect(service.socketSetups(Array.from({ length: 1001 }, (_, i) => `u-${i}`))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('ConversationService: read markers', () => {
  it('counts unread messages from the marker and moves the marker forward only', async () => {
    const [alice, bob] = users(2);
    const conv = await group(alice, [bob]);
    await send(conv, alice, 5);
    expect((await service.get(bob, conv)).me).toEqual({ role: 'member', rank: 'member', last_read_seq: 0, unread_count: 5 });

    await service.markRead(bob, conv, 3);
    expect((await service.get(bob, conv)).me).toMatchObject({ last_read_seq: 3, unread_count: 2 });
    await service.markRead(bob, conv, 1);
    expect((await service.get(bob, conv)).me).toMatchObject({ last_read_seq: 3, unread_count: 2 });
    await service.markRead(bob, conv, 5);
    expect((await service.get(bob, conv)).me).toMatchObject({ last_read_seq: 5, unread_count: 0 });
    // Markers are per user.
    expect((await service.get(alice, conv)).me.unread_count).toBe(5);
  });

  it('rejects a seq above last_seq or below 0', async () => {
    const [alice, bob] = users(2);
    const conv = await group(alice, [bob]);
    await send(conv, alice, 2);
    expect(await codeOf(service.markRead(bob, conv, 3))).toBe('VALIDATION_FAILED');
    expect(await codeOf(service.markRead(bob, conv, -1))).toBe('VALIDATION_FAILED');
    expect((await service.get(bob, conv)).me.last_read_seq).toBe(0);
  });

  it('tells a small group when a marker moves, and only when it moves', async () => {
    const [alice, bob] = users(2);
    const conv = await group(alice, [bob]);
    await send(conv, alice, 3);
    await service.markRead(bob, conv, 2);
    await service.markRead(bob, conv, 1);
    await service.markRead(bob, conv, 2);
    await service.markRead(bob, conv, 3);
    expect(log.of(conv).filter((e) => e.type === 'read.updated')).toEqual([
      { type: 'read.updated', conversation_id: conv, user_id: bob, seq: 2, member_count: 2 },
      { type: 'read.updated', conversation_id: conv, user_id: bob, seq: 3, member_count: 2 },
    ]);
  });

  it('sends no per-reader frame above the large-group threshold (the marker event is for services only), but still stores the marker', async () => {
    const [alice, ...others] = users(policy.threshold + 1);
    const conv = await group(alice, others);
    await send(conv, alice, 2);
    await service.markRead(others[0], conv, 2);
    expect(log.of(conv).filter((e) => e.type === 'read.updated')).toEqual([
      { type: 'read.updated', conversation_id: conv, user_id: others[0], seq: 2, member_count: policy.threshold + 1, services_only: true },
    ]);
    expect((await service.get(others[0], conv)).me.unread_count).toBe(0);
  });
});

describe('ConversationService: read receipts as counts', () => {
  it('counts the members whose marker reached each seq, as they read', async () => {
    const [alice, bob, carol, dave, erin] = users(5);
    const conv = await group(alice, [bob, carol, dave, erin]);
    await send(conv, alice, 3);
    expect(await service.readReceipts(bob, conv, 1)).toEqual({ conversation_id: conv, seq: 1, read_by: 0 });

    await service.markRead(bob, conv, 2);
    await service.markRead(carol, conv, 3);
    await service.markRead(dave, conv, 1);
    expect(await Promise.all([1, 2, 3].map(async (seq) => (await service.readReceipts(erin, conv, seq)).read_by))).toEqual([3, 2, 1]);

    // A marker that does not move changes no count; one that moves does.
    await service.markRead(carol, conv, 1);
    await service.markRead(bob, conv, 3);
    expect((await service.readReceipts(alice, conv, 3)).read_by).toBe(2);
  });

  it('answers a non-member NOT_FOUND and a seq outside 1..last_seq VALIDATION_FAILED', async () => {
    const [alice, bob, stranger] = users(3);
    const conv = await group(alice, [bob]);
    await send(conv, alice, 2);
    expect(await codeOf(service.readReceipts(stranger, conv, 1))).toBe('NOT_FOUND');
    expect(await codeOf(service.readReceipts(alice, 'no-such-conversation', 1))).toBe('NOT_FOUND');
    expect(await codeOf(service.readReceipts(alice, conv, 3))).toBe('VALIDATION_FAILED');
    expect(await codeOf(service.readReceipts(alice, conv, 0))).toBe('VALIDATION_FAILED');
    expect(await codeOf(service.readReceipts(alice, conv, 1.5))).toBe('VALIDATION_FAILED');
  });

  it('counts with the (conversation_id, last_read_seq) index', async () => {
    await db.query('SET enable_seqscan = off');
    try {
      const plan = await db.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT count(*) FROM memberships WHERE conversation_id = 'c' AND last_read_seq >= 1`,
      );
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/memberships_by_read_marker/);
    } finally {
      await db.query('SET enable_seqscan = on');
    }
  });
});

describe('ConversationService: history', () => {
  let alice: string;
  let conv: string;
  const seqs = (r: { messages: { seq: number }[]; has_more: boolean }) => [r.messages.map((m) => m.seq), r.has_more];

  beforeAll(async () => {
    const [a, bob] = users(2);
    alice = a;
    conv = await group(alice, [bob]);
    await send(conv, alice, 7);
  });

  it('pages from the latest backwards with before_seq', async () => {
    expect(seqs(await service.history(alice, conv, { limit: 3 }))).toEqual([[5, 6, 7], true]);
    expect(seqs(await service.history(alice, conv, { before_seq: 5, limit: 3 }))).toEqual([[2, 3, 4], true]);
    expect(seqs(await service.history(alice, conv, { before_seq: 2, limit: 3 }))).toEqual([[1], false]);
    expect(seqs(await service.history(alice, conv, { before_seq: 4, limit: 3 }))).toEqual([[1, 2, 3], false]);
  });

  it('pages forwards with after_seq', async () => {
    expect(seqs(await service.history(alice, conv, { after_seq: 0, limit: 3 }))).toEqual([[1, 2, 3], true]);
    expect(seqs(await service.history(alice, conv, { after_seq: 3, limit: 4 }))).toEqual([[4, 5, 6, 7], false]);
    expect(seqs(await service.history(alice, conv, { after_seq: 7, limit: 3 }))).toEqual([[], false]);
  });

  it('answers the whole conversation when the page is large enough', async () => {
    expect(seqs(await service.history(alice, conv, { limit: 7 }))).toEqual([[1, 2, 3, 4, 5, 6, 7], false]);
  });

  it('refuses after_seq together with before_seq', async () => {
    expect(await codeOf(service.history(alice, conv, { after_seq: 1, before_seq: 5, limit: 3 }))).toBe('VALIDATION_FAILED');
  });

  it('backfills for gateways with a bounded page', async () => {
    expect((await service.backfill(conv, 4, 10)).map((m) => m.seq)).toEqual([5, 6, 7]);
    expect((await service.backfill(conv, 0, 0)).map((m) => m.seq)).toEqual([1]);
  });
});

describe('ConversationService: store reads', () => {
  let alice: string;
  let conv: string;

  /** The counter's value per op, as /metrics would show it. */
  async function storeReads(): Promise<Record<string, number>> {
    const metric = metrics.registry.getSingleMetric(STORE_READS_METRIC);
    if (!metric) throw new Error(`${STORE_READS_METRIC} is not registered`);
    const { values } = await metric.get();
    return Object.fromEntries(values.map((v) => [String(v.labels.op), v.value]));
  }

  /** How much each op moved while `action` ran. */
  async function readsDuring(action: () => Promise<unknown>): Promise<Record<string, number>> {
    const before = await storeReads();
    await action();
    const after = await storeReads();
    return Object.fromEntries(Object.entries(after).map(([op, n]) => [op, n - (before[op] ?? 0)]));
  }

  beforeAll(async () => {
    const [a, bob] = users(2);
    alice = a;
    conv = await group(alice, [bob]);
    await send(conv, alice, 4);
  });

  it('shows every op at 0 before any read, so a scrape can be diffed', async () => {
    const fresh = new Metrics({ service: 'fresh' });
    countStoreReads(fresh);
    expect(await fresh.text()).toContain(`${STORE_READS_METRIC}{op="gap_fill",service="fresh"} 0`);
    expect(Object.keys(await storeReads()).sort()).toEqual(['dedupe', 'gap_fill', 'history', 'sync']);
  });

  it('counts one read per store query, by what it was for', async () => {
    expect(await readsDuring(() => service.history(alice, conv, { limit: 2 }))).toEqual({ history: 1, sync: 0, gap_fill: 0, dedupe: 0 });
    expect(await readsDuring(() => service.history(alice, conv, { before_seq: 3, limit: 2 }))).toEqual({ history: 1, sync: 0, gap_fill: 0, dedupe: 0 });
    expect(await readsDuring(() => service.history(alice, conv, { after_seq: 1, limit: 2 }))).toEqual({ history: 0, sync: 1, gap_fill: 0, dedupe: 0 });
    expect(await readsDuring(() => service.backfill(conv, 2, 10))).toEqual({ history: 0, sync: 0, gap_fill: 1, dedupe: 0 });
  });

  it('counts nothing for a call refused before the store is asked', async () => {
    const [stranger] = users(1);
    expect(await readsDuring(() => codeOf(service.history(stranger, conv, { limit: 2 })))).toEqual({ history: 0, sync: 0, gap_fill: 0, dedupe: 0 });
    expect(await readsDuring(() => codeOf(service.history(alice, conv, { after_seq: 1, before_seq: 3, limit: 2 })))).toEqual({ history: 0, sync: 0, gap_fill: 0, dedupe: 0 });
  });

  it('counts the sequencer looking up the original of a repeated send, and not a new send', async () => {
    const clientMsgId = randomUUID();
    expect(await readsDuring(() => send(conv, alice, 1, clientMsgId))).toEqual({ history: 0, sync: 0, gap_fill: 0, dedupe: 0 });
    expect(await readsDuring(() => send(conv, alice, 1, clientMsgId))).toEqual({ history: 0, sync: 0, gap_fill: 0, dedupe: 1 });
  });
});

describe('ConversationService: listing', () => {
  it('lists my conversations by latest activity, in pages, with nothing of other users', async () => {
    const [alice, bob, carol, dave] = users(4);
    const c1 = await group(alice, [bob], 'one');
    await nextMillisecond();
    const c2 = await group(alice, [carol], 'two');
    await nextMillisecond();
    const c3 = (await service.create(alice, { type: 'direct', member_ids: [dave] })).conversation.id;
    await group(bob, [carol], 'not mine');
    await nextMillisecond();
    await send(c1, bob); // c1 becomes the most recently active

    const first = await service.list(alice, 2, null);
    expect(first.items.map((c) => c.id)).toEqual([c1, c3]);
    expect(first.items[0].me).toEqual({ role: 'admin', rank: 'owner', last_read_seq: 0, unread_count: 1 });
    expect(first.next_cursor).not.toBeNull();
    const second = await service.list(alice, 2, first.next_cursor);
    expect(second.items.map((c) => c.id)).toEqual([c2]);
    expect(second.next_cursor).toBeNull();
  });

  it('answers an exact last page without a cursor', async () => {
    const [alice, bob] = users(2);
    await group(alice, [bob]);
    await nextMillisecond();
    await group(alice, [bob]);
    const page = await service.list(alice, 2, null);
    expect(page.items).toHaveLength(2);
    expect(page.next_cursor).toBeNull();
  });

  it('rejects a cursor it did not issue', async () => {
    const [alice] = users(1);
    expect(await codeOf(service.list(alice, 2, 'not-a-cursor'))).toBe('VALIDATION_FAILED');
    expect(await codeOf(service.list(alice, 2, Buffer.from('{"at":"yesterday","id":"x"}').toString('base64url')))).toBe('VALIDATION_FAILED');
  });
});
