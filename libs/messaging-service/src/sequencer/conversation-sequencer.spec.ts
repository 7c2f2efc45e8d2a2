import { randomUUID } from 'node:crypto';
import { Message } from '@parley/domain';
import {
  AppendResult,
  ConversationEvent,
  Consumer,
  ConsumerOptions,
  EmbeddedEventLog,
  EventLog,
  IngressSend,
  LogRecord,
  MessageStore,
  PgliteSqlDb,
  SqlMessageStore,
  Topics,
  eventLogMigrations,
  messageStoreMigrations,
  runMigrations,
} from '@parley/ports';
import { ConversationRepository } from '../storage/conversation.repository';
import { SendClaimsRepository } from '../storage/send-claims.repository';
import { messagingMigrations } from '../storage/messaging.migrations';
import { ConversationSequencer } from './conversation-sequencer';

interface Appended {
  topic: string;
  key: string;
  value: ConversationEvent;
  headers: Record<string, string>;
}

/** The real embedded log, remembering what was appended to it (in append order). */
class RecordingLog implements EventLog {
  readonly appended: Appended[] = [];

  constructor(private readonly inner: EventLog) {}

  async append<T>(topic: string, key: string, value: T, headers: Record<string, string> = {}): Promise<AppendResult> {
    const result = await this.inner.append(topic, key, value, headers);
    this.appended.push({ topic, key, value: value as ConversationEvent, headers });
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

  eventsOf(conversationId: string): ConversationEvent[] {
    return this.appended.filter((a) => a.topic === Topics.events && a.key === conversationId).map((a) => a.value);
  }
}

let db: PgliteSqlDb;
let embedded: EmbeddedEventLog;
let log: RecordingLog;
let repo: ConversationRepository;
let store: SqlMessageStore;
let claims: SendClaimsRepository;

beforeAll(async () => {
  db = await PgliteSqlDb.open(undefined);
  await runMigrations(db, [...messagingMigrations, ...messageStoreMigrations, ...eventLogMigrations]);
  embedded = new EmbeddedEventLog({ db, partitions: 4, retentionIntervalMs: 0, pollIntervalMs: 600_000 });
  log = new RecordingLog(embedded);
  repo = new ConversationRepository(db);
  store = new SqlMessageStore(db);
  claims = new SendClaimsRepository(db);
});

afterAll(async () => {
  await embedded?.close();
  await db?.close();
});

/** A group conversation with these members (the first is its admin); returns its id. */
async function conversationWith(...userIds: string[]): Promise<string> {
  const id = `conv-${randomUUID()}`;
  const at = '2025-01-01T00:00:00.000Z';
  await repo.create(
    { id, type: 'group', title: null, created_at: at, member_count: userIds.length, last_seq: 0, last_activity_at: at },
    null,
    userIds.map((userId, i) => ({ userId, role: i === 0 ? 'admin' : 'member' })),
  );
  return id;
}

let offset = 0;
function ingress(conversationId: string, senderId: string, clientMsgId: string, text = `text of ${clientMsgId}`, headers: Record<string, string> = {}): LogRecord<IngressSend> {
  return {
    topic: Topics.ingress,
    partition: 0,
    offset: String(offset++),
    key: conversationId,
    value: {
      type: 'send',
      conversation_id: conversationId,
      sender_id: senderId,
      client_msg_id: clientMsgId,
      body: { text },
      origin: { gateway_id: 'gw-1', ref: `ref-${clientMsgId}` },
      received_at: new Date().toISOString(),
    },
    headers,
    timestamp: Date.now(),
  };
}

const created = (events: ConversationEvent[]) =>
  events.filter((e): e is Extract<ConversationEvent, { type: 'message.created' }> => e.type === 'message.created');

let malformed = 0;
const newSequencer = (messages: MessageStore = store) =>
  new ConversationSequencer(repo, claims, messages, log, { onMalformed: () => void malformed++ });

/** The message store, failing the next `failures` writes (a crash or an outage between claim and write). */
function failingInserts(failures: number): MessageStore {
  let left = failures;
  return Object.assign(Object.create(store) as SqlMessageStore, {
    insertClaimed: async (m: readonly Message[]) => {
      if (left > 0) {
        left--;
        throw new Error('message store unavailable');
      }
      return store.insertClaimed(m);
    },
  });
}

describe('ConversationSequencer', () => {
  it('keeps the mentions its resolver finds on the stored and announced message, never the sender', async () => {
    const conv = await conversationWith('alice', 'bob');
    const resolver = async (_c: string, text: string) => (text.includes('@bob') ? ['bob', 'alice'] : []);
    await new ConversationSequencer(repo, claims, store, log, { onMalformed: () => undefined }, resolver).handleBatch([
      ingress(conv, 'alice', 'm1', 'hey @bob'),
      ingress(conv, 'alice', 'm2', 'no one'),
    ]);
    const stored = await store.after(conv, 0, 10);
    expect(stored.map((m) => m.mentions)).toEqual([['bob'], undefined]);
    expect(created(log.eventsOf(conv)).map((e) => e.message.mentions)).toEqual([['bob'], undefined]);
  });

  it('gives a batch of sends dense seqs 1..N in ingress order and stores each message once', async () => {
    const conv = await conversationWith('alice', 'bob');
    await newSequencer().handleBatch([
      ingress(conv, 'alice', 'a1', 'hello'),
      ingress(conv, 'bob', 'b1', 'hi'),
      ingress(conv, 'alice', 'a2', 'how are you'),
      ingress(conv, 'bob', 'b2', 'fine'),
    ]);

    const stored = await store.after(conv, 0, 100);
    expect(stored.map((m) => [m.seq, m.sender_id, m.body.text])).toEqual([
      [1, 'alice', 'hello'],
      [2, 'bob', 'hi'],
      [3, 'alice', 'how are you'],
      [4, 'bob', 'fine'],
    ]);
    const events = created(log.eventsOf(conv));
    expect(events.map((e) => [e.message, e.created])).toEqual(stored.map((m) => [m, true]));
    expect(events.map((e) => e.origin)).toEqual(['a1', 'b1', 'a2', 'b2'].map((c) => ({ gateway_id: 'gw-1', ref: `ref-${c}` })));
    expect((await repo.get(conv))?.last_seq).toBe(4);
  });

  it('keeps each conversation in ingress order when a batch interleaves several', async () => {
    const [c1, c2, c3] = await Promise.all([conversationWith('alice', 'bob'), conversationWith('alice', 'carol'), conversationWith('bob', 'carol')]);
    const batch: LogRecord<IngressSend>[] = [];
    for (let i = 1; i <= 6; i++) for (const [conv, who] of [[c1, 'alice'], [c2, 'carol'], [c3, 'bob']] as const) batch.push(ingress(conv, who, `${conv}-${i}`, `text ${i}`));
    await newSequencer().handleBatch(batch);
    for (const conv of [c1, c2, c3]) {
      const stored = await store.after(conv, 0, 100);
      expect(stored.map((m) => [m.seq, m.body.text])).toEqual([1, 2, 3, 4, 5, 6].map((i) => [i, `text ${i}`]));
      expect(created(log.eventsOf(conv)).map((e) => e.message.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it('fails the batch when one conversation fails, and a replay completes it with the same seqs', async () => {
    const [c1, c2] = await Promise.all([conversationWith('alice', 'bob'), conversationWith('alice', 'carol')]);
    const batch = [ingress(c1, 'alice', 'x1'), ingress(c2, 'alice', 'y1'), ingress(c1, 'alice', 'x2')];
    await expect(newSequencer(failingInserts(1)).handleBatch(batch)).rejects.toThrow('message store unavailable');
    await newSequencer().handleBatch(batch);
    expect((await store.after(c1, 0, 10)).map((m) => [m.seq, m.client_msg_id])).toEqual([[1, 'x1'], [2, 'x2']]);
    expect((await store.after(c2, 0, 10)).map((m) => [m.seq, m.client_msg_id])).toEqual([[1, 'y1']]);
  });

  it('moves the conversation last activity to the newest message', async () => {
    const conv = await conversationWith('alice', 'bob');
    await newSequencer().handleBatch([ingress(conv, 'alice', 'a1')]);
    const [message] = await store.latest(conv, 1);
    expect((await repo.get(conv))?.last_activity_at).toBe(message.created_at);
  });

  it('answers a repeated client_msg_id with the original message: same seq, same id, created false', async () => {
    const conv = await conversationWith('alice', 'bob');
    const sequencer = newSequencer();
    await sequencer.handleBatch([ingress(conv, 'alice', 'a1', 'first'), ingress(conv, 'alice', 'a1', 'retry with other text')]);
    await sequencer.handleBatch([ingress(conv, 'alice', 'a1', 'a later retry'), ingress(conv, 'bob', 'b1')]);

    const stored = await store.after(conv, 0, 100);
    expect(stored.map((m) => [m.seq, m.client_msg_id, m.body.text])).toEqual([
      [1, 'a1', 'first'],
      [2, 'b1', 'text of b1'],
    ]);
    const events = created(log.eventsOf(conv));
    expect(events.map((e) => [e.message, e.created])).toEqual([
      [stored[0], true],
      [stored[0], false],
      [stored[0], false],
      [stored[1], true],
    ]);
    expect((await repo.get(conv))?.last_seq).toBe(2);
  });

  it('treats the same client_msg_id from two senders as two messages', async () => {
    const conv = await conversationWith('alice', 'bob');
    await newSequencer().handleBatch([ingress(conv, 'alice', 'same'), ingress(conv, 'bob', 'same')]);
    expect((await store.after(conv, 0, 10)).map((m) => [m.seq, m.sender_id])).toEqual([
      [1, 'alice'],
      [2, 'bob'],
    ]);
  });

  it("rejects a non-member's send to its origin and stores nothing", async () => {
    const conv = await conversationWith('alice', 'bob');
    await newSequencer().handleBatch([ingress(conv, 'mallory', 'm1'), ingress(conv, 'alice', 'a1')]);

    const events = log.eventsOf(conv);
    expect(events[0]).toEqual({
      type: 'send.rejected',
      conversation_id: conv,
      client_msg_id: 'm1',
      code: 'FORBIDDEN',
      message: expect.any(String),
      origin: { gateway_id: 'gw-1', ref: 'ref-m1' },
    });
    expect(events.map((e) => e.type)).toEqual(['send.rejected', 'message.created']);
    // The rejected send took no seq: alice's message is the first.
    expect((await store.after(conv, 0, 10)).map((m) => [m.seq, m.sender_id])).toEqual([[1, 'alice']]);
    expect(await store.atSeq(conv, 2)).toBeNull();
  });

  it('rejects a send to a conversation that does not exist', async () => {
    const conv = `conv-${randomUUID()}`;
    await newSequencer().handleBatch([ingress(conv, 'alice', 'a1')]);
    expect(log.eventsOf(conv).map((e) => e.type)).toEqual(['send.rejected']);
    expect(await store.lastSeq(conv)).toBe(0);
  });

  it('counts and skips a record that is not an ingress send, and goes on with the batch', async () => {
    const conv = await conversationWith('alice', 'bob');
    const garbage = { ...ingress(conv, 'alice', 'x'), value: { type: 'send', conversation_id: conv } as unknown as IngressSend };
    const before = malformed;
    await newSequencer().handleBatch([garbage, ingress(conv, 'alice', 'a1')]);
    expect(malformed).toBe(before + 1);
    expect((await store.after(conv, 0, 10)).map((m) => m.client_msg_id)).toEqual(['a1']);
    expect(log.eventsOf(conv).map((e) => e.type)).toEqual(['message.created']);
  });

  it('carries the trace context of the ingress record to the event, and nothing else', async () => {
    const conv = await conversationWith('alice', 'bob');
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await newSequencer().handleBatch([ingress(conv, 'alice', 'a1', 'hi', { traceparent, other: 'dropped' }), ingress(conv, 'alice', 'a2')]);
    const appended = log.appended.filter((a) => a.key === conv);
    expect(appended.map((a) => a.headers)).toEqual([{ traceparent }, {}]);
  });

  it('after a crash, a new owner reprocessing the same records writes no duplicate and continues the seqs', async () => {
    const conv = await conversationWith('alice', 'bob');
    const first = [ingress(conv, 'alice', 'a1'), ingress(conv, 'bob', 'b1'), ingress(conv, 'alice', 'a2')];
    await newSequencer().handleBatch(first);
    const before = await store.after(conv, 0, 100);

    // The old owner died before committing its offsets: the new owner gets the same records again, then new ones.
    await newSequencer().handleBatch([...first, ingress(conv, 'bob', 'b2'), ingress(conv, 'alice', 'a3')]);

    const after = await store.after(conv, 0, 100);
    expect(after.map((m) => [m.seq, m.client_msg_id])).toEqual([
      [1, 'a1'],
      [2, 'b1'],
      [3, 'a2'],
      [4, 'b2'],
      [5, 'a3'],
    ]);
    expect(after.slice(0, 3)).toEqual(before);
    const replayed = created(log.eventsOf(conv)).slice(3);
    expect(replayed.map((e) => [e.message.seq, e.created])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, true],
      [5, true],
    ]);
    expect(replayed.slice(0, 3).map((e) => e.message)).toEqual(before);
    expect((await repo.get(conv))?.last_seq).toBe(5);
  });

  it('completes a message whose write was cut short, at the seq and id it was given', async () => {
    const conv = await conversationWith('alice', 'bob');
    await newSequencer().handleBatch([ingress(conv, 'alice', 'a1')]);
    const batch = [ingress(conv, 'alice', 'a2'), ingress(conv, 'bob', 'b1')];
    await expect(newSequencer(failingInserts(1)).handleBatch(batch)).rejects.toThrow('message store unavailable');
    expect(await store.lastSeq(conv)).toBe(1);

    await newSequencer().handleBatch(batch);
    const stored = await store.after(conv, 0, 10);
    expect(stored.map((m) => [m.seq, m.client_msg_id])).toEqual([
      [1, 'a1'],
      [2, 'a2'],
      [3, 'b1'],
    ]);
    // Every event the conversation saw for seq 2 names the one stored message.
    const forSeq2 = created(log.eventsOf(conv)).filter((e) => e.message.seq === 2);
    expect(forSeq2.map((e) => e.message)).toEqual([stored[1]]);
    expect((await repo.get(conv))?.last_seq).toBe(3);
  });

  // BUG (conversation-sequencer.ts, handle(): `created: claim.created`): when the first attempt at a
  // send claimed its seq but failed to write the message, the retry of that same ingress record is
  // the first time the message is stored, yet it is announced with created:false. A REST send
  // still waiting for it is answered 200 ("repeat") instead of the contract's 201 for a first send.
  it('BUG: announces a message completed by the retry of its own ingress record as created', async () => {
    const conv = await conversationWith('alice', 'bob');
    const record = ingress(conv, 'alice', 'a1');
    await expect(newSequencer(failingInserts(1)).handleBatch([record])).rejects.toThrow('message store unavailable');
    await newSequencer().handleBatch([record]);
    expect(created(log.eventsOf(conv)).map((e) => [e.message.seq, e.created])).toEqual([[1, true]]);
  });

  it('two owners processing the same records at once (a takeover) store each message once, at one seq', async () => {
    const conv = await conversationWith('alice', 'bob', 'carol');
    const batch = ['alice', 'bob', 'carol', 'alice', 'bob'].map((u, i) => ingress(conv, u, `m${i}`));
    await Promise.all([newSequencer().handleBatch(batch), newSequencer().handleBatch(batch)]);

    const stored = await store.after(conv, 0, 100);
    expect(stored.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(stored.map((m) => m.client_msg_id)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    const events = created(log.eventsOf(conv));
    expect(events).toHaveLength(10);
    for (const e of events) expect(e.message).toEqual(stored[e.message.seq - 1]);
    // Exactly one of the two owners allocated each seq.
    expect(events.filter((e) => e.created).map((e) => e.message.seq).sort()).toEqual([1, 2, 3, 4, 5]);
    expect((await repo.get(conv))?.last_seq).toBe(5);
  });

  it('answers a repeat whose claim was compacted with the stored original, and keeps counting seqs', async () => {
    const conv = await conversationWith('alice', 'bob');
    await newSequencer().handleBatch([ingress(conv, 'alice', 'a1', 'first'), ingress(conv, 'bob', 'b1')]);
    // Every claim made so far is past a cut-off a minute from now; two rows per statement.
    expect(await claims.compact(new Date(Date.now() + 60_000).toISOString(), 2)).toBeGreaterThanOrEqual(2);
    expect((await db.query(`SELECT 1 FROM send_claims WHERE conversation_id = $1`, [conv])).rows).toHaveLength(0);
    expect((await db.query(`SELECT seq FROM send_keys WHERE conversation_id = $1 ORDER BY seq`, [conv])).rows).toEqual([{ seq: 1 }, { seq: 2 }]);

    await newSequencer().handleBatch([ingress(conv, 'alice', 'a1', 'a retry a day later'), ingress(conv, 'alice', 'a2')]);
    const stored = await store.after(conv, 0, 10);
    expect(stored.map((m) => [m.seq, m.client_msg_id, m.body.text])).toEqual([[1, 'a1', 'first'], [2, 'b1', 'text of b1'], [3, 'a2', 'text of a2']]);
    expect(created(log.eventsOf(conv)).slice(2).map((e) => [e.message, e.created])).toEqual([[stored[0], false], [stored[2], true]]);
  });

  it('refuses, rather than overwrites, a message of another send found at a repeat\'s claimed seq', async () => {
    const conv = await conversationWith('alice', 'bob');
    await newSequencer().handleBatch([ingress(conv, 'alice', 'a1', 'first')]);
    // A broken invariant: the row at a1's claimed seq now belongs to another send.
    await db.query(`UPDATE messages SET client_msg_id = 'other' WHERE conversation_id = $1 AND seq = 1`, [conv]);
    await expect(newSequencer().handleBatch([ingress(conv, 'alice', 'a1', 'retry')])).rejects.toThrow(/seq conflict/);
    expect((await store.after(conv, 0, 10)).map((m) => [m.seq, m.client_msg_id, m.body.text])).toEqual([[1, 'other', 'first']]);
  });

  it('sequences sends consumed from the ingress log and emits them to the events log', async () => {
    const conv = await conversationWith('alice', 'bob');
    const sequencer = newSequencer();
    const received: ConversationEvent[] = [];
    const consumers = [
      await embedded.consume<IngressSend>({
        group: `sequencer-${randomUUID()}`,
        topic: Topics.ingress,
        handleBatch: (records) => sequencer.handleBatch(records.filter((r) => r.key === conv)),
      }),
      await embedded.consume<ConversationEvent>({
        group: `watcher-${randomUUID()}`,
        topic: Topics.events,
        handleBatch: async (records) => void received.push(...records.filter((r) => r.key === conv).map((r) => r.value)),
      }),
    ];
    try {
      for (const r of [ingress(conv, 'alice', 'a1'), ingress(conv, 'bob', 'b1'), ingress(conv, 'alice', 'a1')]) {
        await embedded.append(Topics.ingress, conv, r.value);
      }
      await waitUntil(() => received.length >= 3, 'three events for the conversation');
      expect(created(received).map((e) => [e.message.seq, e.message.client_msg_id, e.created])).toEqual([
        [1, 'a1', true],
        [2, 'b1', true],
        [1, 'a1', false],
      ]);
    } finally {
      await Promise.all(consumers.map((c) => c.stop()));
    }
  });
});

/** A bound on how long asynchronous delivery may take, not a speed assertion. */
async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
