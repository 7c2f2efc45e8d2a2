import { randomUUID } from 'node:crypto';
import { Message } from '@parley/domain';
import {
  ConversationEvent, EmbeddedEventLog, IngressSend, LifecycleOp, LogRecord, MessageStore, PgliteSqlDb, SqlMessageStore, Topics, eventLogMigrations, messageStoreMigrations, runMigrations,
} from '@parley/ports';
import { ConversationRepository } from '../storage/conversation.repository';
import { LifecycleRepository } from '../storage/lifecycle.repository';
import { messagingMigrations } from '../storage/messaging.migrations';
import { SendClaimsRepository } from '../storage/send-claims.repository';
import { toView } from '../views';
import { ConversationSequencer } from './conversation-sequencer';
import { LifecycleOps } from './lifecycle-ops';

let db: PgliteSqlDb;
let log: EmbeddedEventLog;
let repo: ConversationRepository;
let store: SqlMessageStore;
let lifecycle: LifecycleRepository;
const events: ConversationEvent[] = [];

beforeAll(async () => {
  db = await PgliteSqlDb.open(undefined);
  await runMigrations(db, [...messagingMigrations, ...messageStoreMigrations, ...eventLogMigrations]);
  log = new EmbeddedEventLog({ db, partitions: 2, retentionIntervalMs: 0, pollIntervalMs: 600_000 });
  const append = log.append.bind(log);
  log.append = async (topic, key, value, headers) => {
    if (topic === Topics.events) events.push(value as ConversationEvent);
    return append(topic, key, value, headers);
  };
  repo = new ConversationRepository(db);
  store = new SqlMessageStore(db);
  lifecycle = new LifecycleRepository(db.relational());
});

afterAll(async () => {
  await log?.close();
  await db?.close();
});

const sequencer = (messages: MessageStore = store, threshold = 1000) => {
  const claims = new SendClaimsRepository(db);
  const mentions = async (_c: string, text: string) => (text.includes('@bob') ? ['bob'] : []);
  const ops = new LifecycleOps(repo, claims, lifecycle, messages, { threshold, typingSampleMs: 1000 }, mentions);
  return new ConversationSequencer(repo, claims, messages, log, { onMalformed: () => undefined }, mentions, ops);
};

async function group(...userIds: string[]): Promise<string> {
  const id = `conv-${randomUUID()}`;
  const at = '2025-01-01T00:00:00.000Z';
  await repo.create({ id, type: 'group', title: null, created_at: at, member_count: userIds.length, last_seq: 0, last_activity_at: at }, null, userIds.map((userId, i) => ({ userId, role: i === 0 ? 'admin' : 'member' })));
  return id;
}

let offset = 0;
const record = (conversationId: string, senderId: string, extra: { text?: string; op?: LifecycleOp; reply_to?: number; cmid?: string } = {}): LogRecord<IngressSend> => {
  const cmid = extra.cmid ?? randomUUID();
  return {
    topic: Topics.ingress, partition: 0, offset: String(offset++), key: conversationId, headers: {}, timestamp: Date.now(),
    value: {
      type: 'send', conversation_id: conversationId, sender_id: senderId, client_msg_id: cmid, body: { text: extra.text ?? '' }, origin: { gateway_id: 'gw', ref: cmid }, received_at: new Date().toISOString(),
      ...(extra.op ? { op: extra.op } : {}), ...(extra.reply_to ? { reply_to: extra.reply_to } : {}),
    },
  };
};

const answerOf = (r: LogRecord<IngressSend>) => events.filter((e) => ('origin' in e && e.origin?.ref === r.value.client_msg_id)).at(-1) as ConversationEvent;
const seqOf = (r: LogRecord<IngressSend>) => (answerOf(r) as { message: Message }).message.seq;

describe('lifecycle operations in the sequencer', () => {
  it('orders sends and operations of one batch by partition, applies each, and leaves the entries in the stream', async () => {
    const c = await group('alice', 'bob', 'carol');
    const hello = record(c, 'bob', { text: 'hello' });
    await sequencer().handleBatch([hello]);
    const edit = record(c, 'bob', { text: 'hello @bob, edited', op: { kind: 'edit', target_seq: 1 } });
    const react = record(c, 'carol', { op: { kind: 'reaction', target_seq: 1, emoji: '👍', action: 'add' } });
    const reply = record(c, 'carol', { text: 'a reply', reply_to: 1 });
    const foreign = record(c, 'carol', { text: 'hijack', op: { kind: 'edit', target_seq: 1 } });
    const after = record(c, 'alice', { text: 'after' });
    await sequencer().handleBatch([edit, react, reply, foreign, after]);

    expect([edit, react, reply, after].map(seqOf)).toEqual([2, 3, 4, 5]);
    expect(answerOf(foreign)).toMatchObject({ type: 'send.rejected', code: 'FORBIDDEN' }); // no seq, no gap
    const stream = await store.after(c, 0, 10);
    expect(stream.map((m) => [m.seq, m.kind ?? 'message'])).toEqual([[1, 'message'], [2, 'edit'], [3, 'reaction'], [4, 'message'], [5, 'message']]);
    expect(stream[0]).toMatchObject({ body: { text: 'hello @bob, edited' }, reactions: [{ emoji: '👍', count: 1, user_ids: ['carol'] }] });
    expect(stream[0].edited_at).toBeDefined();
    expect(stream[2].reaction).toEqual({ emoji: '👍', action: 'add', count: 1 });
    expect(stream[3].reply_to).toBe(1);
    expect(await lifecycle.replySeqs(c, 1, 0, 10)).toEqual([4]);
    expect((await lifecycle.revisions(c, 1)).map((r) => r.text)).toEqual(['hello']);
    // Unread: the entries are not messages.
    expect(toView((await repo.getForMember(c, 'carol'))!).me.unread_count).toBe(3);
  });

  it('deletes: sender or admin only, the body, edits, revisions and reactions gone; a second delete is NOT_FOUND', async () => {
    const c = await group('alice', 'bob', 'carol');
    await sequencer().handleBatch([record(c, 'bob', { text: 'secret' })]);
    await sequencer().handleBatch([record(c, 'bob', { text: 'secret 2', op: { kind: 'edit', target_seq: 1 } }), record(c, 'carol', { op: { kind: 'reaction', target_seq: 1, emoji: 'x', action: 'add' } })]);
    const byCarol = record(c, 'carol', { op: { kind: 'delete', target_seq: 1 } });
    const byAlice = record(c, 'alice', { op: { kind: 'delete', target_seq: 1 } });
    const again = record(c, 'bob', { op: { kind: 'delete', target_seq: 1 } });
    await sequencer().handleBatch([byCarol, byAlice, again]);
    expect(answerOf(byCarol)).toMatchObject({ type: 'send.rejected', code: 'FORBIDDEN' });
    expect(seqOf(byAlice)).toBe(4);
    expect(answerOf(again)).toMatchObject({ type: 'send.rejected', code: 'NOT_FOUND' });
    const stream = await store.after(c, 0, 10);
    expect(JSON.stringify(stream)).not.toContain('secret');
    expect(stream[0]).toMatchObject({ body: { text: '' }, deleted_by: 'alice' });
    expect(stream[0].reactions).toBeUndefined();
    expect(await lifecycle.revisions(c, 1)).toEqual([]);
  });

  it('issue 13.4: a moderator deletes the messages of lower ranks only', async () => {
    const c = await group('alice', 'bob', 'carol');
    await db.query(`UPDATE memberships SET role = 'moderator' WHERE conversation_id = $1 AND user_id = 'carol'`, [c]);
    await sequencer().handleBatch([record(c, 'alice', { text: 'from the admin' }), record(c, 'bob', { text: 'from a member' })]);
    const onAdmin = record(c, 'carol', { op: { kind: 'delete', target_seq: 1 } });
    const onMember = record(c, 'carol', { op: { kind: 'delete', target_seq: 2 } });
    await sequencer().handleBatch([onAdmin, onMember]);
    expect(answerOf(onAdmin)).toMatchObject({ type: 'send.rejected', code: 'FORBIDDEN' });
    expect(seqOf(onMember)).toBe(3);
  });

  it('refuses a reply to no message and a duplicate reaction; counts only above the large-group threshold', async () => {
    const c = await group('alice', 'bob');
    await sequencer(store, 1).handleBatch([record(c, 'bob', { text: 'm' })]);
    const badReply = record(c, 'bob', { text: 'r', reply_to: 99 });
    const r1 = record(c, 'alice', { op: { kind: 'reaction', target_seq: 1, emoji: 'ok', action: 'add' } });
    const r2 = record(c, 'alice', { op: { kind: 'reaction', target_seq: 1, emoji: 'ok', action: 'add' } });
    const nonMember = record(c, 'mallory', { op: { kind: 'reaction', target_seq: 1, emoji: 'ok', action: 'add' } });
    await sequencer(store, 1).handleBatch([badReply, r1, r2, nonMember]);
    expect(answerOf(badReply)).toMatchObject({ type: 'send.rejected', code: 'VALIDATION_FAILED' });
    expect(seqOf(r1)).toBe(2);
    expect(answerOf(r2)).toMatchObject({ type: 'send.rejected', code: 'CONFLICT' });
    expect(answerOf(nonMember)).toMatchObject({ type: 'send.rejected', code: 'FORBIDDEN' });
    expect((await store.after(c, 0, 1))[0].reactions).toEqual([{ emoji: 'ok', count: 1 }]);
  });

  it('finishes an operation whose entry write failed, once, and answers a repeat with the same entry', async () => {
    const c = await group('alice', 'bob');
    await sequencer().handleBatch([record(c, 'bob', { text: 'm' })]);
    let fail = true;
    const flaky = Object.assign(Object.create(store) as SqlMessageStore, {
      insertClaimed: async (ms: readonly Message[]) => {
        if (fail && ms.some((m) => m.kind !== undefined)) {
          fail = false;
          throw new Error('store down');
        }
        return store.insertClaimed(ms);
      },
    });
    const react = record(c, 'alice', { op: { kind: 'reaction', target_seq: 1, emoji: 'ok', action: 'add' } });
    await expect(sequencer(flaky).handleBatch([react])).rejects.toThrow('store down');
    await sequencer(flaky).handleBatch([react]); // the batch again, after the crash
    expect(answerOf(react)).toMatchObject({ type: 'message.created', created: true, message: { seq: 2, reaction: { count: 1 } } });
    await sequencer().handleBatch([react]); // a client's retry of the same client_msg_id
    expect(answerOf(react)).toMatchObject({ type: 'message.created', created: false, message: { seq: 2 } });
    expect((await store.after(c, 0, 5)).map((m) => m.seq)).toEqual([1, 2]);
    expect((await store.after(c, 0, 1))[0].reactions).toEqual([{ emoji: 'ok', count: 1, user_ids: ['alice'] }]);
  });
});
