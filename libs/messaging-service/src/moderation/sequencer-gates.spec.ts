import { randomUUID } from 'node:crypto';
import {
  ConversationEvent, EmbeddedEventLog, EventLog, IngressSend, LogRecord, PgliteSqlDb, SqlMessageStore, Topics, eventLogMigrations, messageStoreMigrations, runMigrations,
} from '@parley/ports';
import { ConversationSequencer } from '../sequencer/conversation-sequencer';
import { ConversationRepository } from '../storage/conversation.repository';
import { messagingMigrations } from '../storage/messaging.migrations';
import { SendClaimsRepository } from '../storage/send-claims.repository';
import { ModerationRepository } from './moderation.repository';
import { SendGates } from './send-gates';

/**
 * Issue 13.4: the sequencer refuses sends by the gates of docs/adr/0017-moderation.md (in its one
 * membership read per batch), claims nothing for them (no seq gap), answers with retry_after, and
 * never refuses a repeat of a send already stored.
 */
let db: PgliteSqlDb;
let embedded: EmbeddedEventLog;
let repo: ConversationRepository;
let moderation: ModerationRepository;
const events: ConversationEvent[] = [];
let now = Date.parse('2026-12-05T00:00:00.000Z');

beforeAll(async () => {
  db = await PgliteSqlDb.open(undefined);
  await runMigrations(db, [...messagingMigrations, ...messageStoreMigrations, ...eventLogMigrations]);
  embedded = new EmbeddedEventLog({ db, partitions: 2, retentionIntervalMs: 0, pollIntervalMs: 600_000 });
  repo = new ConversationRepository(db);
  moderation = new ModerationRepository(db.relational());
});

afterAll(async () => {
  await embedded?.close();
  await db?.close();
});

const recording: EventLog = {
  append: async (topic, key, value, headers) => {
    if (topic === Topics.events) events.push(value as ConversationEvent);
    return embedded.append(topic, key, value, headers);
  },
  consume: (o) => embedded.consume(o),
  healthy: () => embedded.healthy(),
  close: async () => undefined,
};

async function group(owner: string, ...members: string[]): Promise<string> {
  const id = `conv-${randomUUID()}`;
  const at = '2025-01-01T00:00:00.000Z';
  await repo.create({ id, type: 'group', title: null, created_at: at, member_count: members.length + 1, last_seq: 0, last_activity_at: at }, null, [
    { userId: owner, role: 'owner' }, ...members.map((userId) => ({ userId, role: 'member' as const })),
  ]);
  return id;
}

let offset = 0;
const ingress = (conversationId: string, senderId: string, clientMsgId: string): LogRecord<IngressSend> => ({
  topic: Topics.ingress, partition: 0, offset: String(offset++), key: conversationId, headers: {}, timestamp: now,
  value: { type: 'send', conversation_id: conversationId, sender_id: senderId, client_msg_id: clientMsgId, body: { text: clientMsgId }, origin: { gateway_id: 'gw', ref: `ref-${clientMsgId}` }, received_at: new Date(now).toISOString() },
});

const outcomes = (conversationId: string) => events.flatMap((e) => {
  if (e.type === 'message.created' && e.message.conversation_id === conversationId) return [[e.message.client_msg_id, e.message.seq]];
  if (e.type === 'send.rejected' && e.conversation_id === conversationId) return [[e.client_msg_id, e.code, e.retry_after ?? null]];
  return [];
});

describe('the sequencer with moderation gates', () => {
  const make = () => new ConversationSequencer(repo, new SendClaimsRepository(db), new SqlMessageStore(db), recording, undefined, undefined, null, new SendGates(() => now));

  it('slow mode: one message per member per N seconds, in partition order, moderators exempt, no seq gap', async () => {
    const seq = make();
    const c = await group('own', 'ann', 'ben');
    await moderation.setSettings(c, { slow_mode_seconds: 30 });
    await seq.handleBatch([ingress(c, 'ann', 'a1'), ingress(c, 'ann', 'a2'), ingress(c, 'ben', 'b1'), ingress(c, 'own', 'o1'), ingress(c, 'own', 'o2')]);
    now += 10_000;
    await seq.handleBatch([ingress(c, 'ann', 'a3'), ingress(c, 'ann', 'a1')]);
    now += 20_000;
    await seq.handleBatch([ingress(c, 'ann', 'a4')]);
    expect(outcomes(c)).toEqual([
      ['a1', 1], ['a2', 'SLOW_MODE', 30], ['b1', 2], ['o1', 3], ['o2', 4],
      ['a3', 'SLOW_MODE', 20], ['a1', 1], // a repeat of a stored send is never refused
      ['a4', 5],
    ]);
  });

  it('a mute refuses until it ends, with the seconds left; an announcement conversation takes the owner only', async () => {
    const seq = make();
    const c = await group('own', 'ann');
    await moderation.setMute(c, 'ann', new Date(now + 90_000).toISOString());
    await seq.handleBatch([ingress(c, 'ann', 'm1')]);
    await moderation.setMute(c, 'ann', null);
    await moderation.setSettings(c, { announcement: true });
    await seq.handleBatch([ingress(c, 'ann', 'm2'), ingress(c, 'own', 'o1')]);
    expect(outcomes(c)).toEqual([['m1', 'MUTED', 90], ['m2', 'ANNOUNCEMENT_ONLY', null], ['o1', 1]]);
  });
});
