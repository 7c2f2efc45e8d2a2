import { Message } from '@parley/domain';
import { createLogger, Metrics } from '@parley/observability';
import { ConversationEvent, LogRecord, MembershipDirectory, MemoryPresenceStore, PgliteSqlDb, PushMessage, PushOutcome, PushProvider, runMigrations } from '@parley/ports';
import { PushDispatcher } from '../delivery/push-dispatcher';
import { PushMetrics } from '../delivery/push-metrics';
import { notificationMigrations } from '../notification.migrations';
import { PushEventsConsumer } from '../push-events.consumer';
import { PushSettingsService } from '../settings/push-settings.service';
import { PushOutboxRepository } from '../storage/push-outbox.repository';

/** An in-process provider for unit tests: records what it is asked and answers from a script. */
export class ScriptedProvider implements PushProvider {
  sent: PushMessage[] = [];
  script: PushOutcome[] = [];
  constructor(readonly name: string) {}
  async send(m: PushMessage): Promise<PushOutcome> {
    this.sent.push(m);
    return this.script.shift() ?? { status: 'accepted', id: `id-${this.sent.length}` };
  }
  async close(): Promise<void> {}
}

/** Members and unread totals the tests set directly. */
export class FakeMembers implements MembershipDirectory {
  members = new Map<string, string[]>();
  counts = new Map<string, number>();
  unread = new Map<string, number>();
  titles = new Map<string, string>();
  async memberCount(c: string) {
    return this.counts.get(c) ?? this.members.get(c)?.length ?? 0;
  }
  async memberIds(c: string, limit: number) {
    return (this.members.get(c) ?? []).slice(0, limit);
  }
  async directPartners() {
    return [];
  }
  async pushContext(u: string, c: string) {
    return { unread_total: this.unread.get(u) ?? 0, title: this.titles.get(c) ?? null };
  }
}

export const APNS_TOKEN = 'ab'.repeat(32);
export const FCM_TOKEN = 'fcm-token-' + 'x'.repeat(40);

/** One in-memory database per spec file (PGlite takes seconds to open); each harness empties it. */
export async function openPushDb(): Promise<PgliteSqlDb> {
  const db = await PgliteSqlDb.open(undefined);
  await runMigrations(db, notificationMigrations);
  return db;
}

export async function pushHarness(db: PgliteSqlDb, opts: { coalesceMs?: number; outboxMax?: number; threshold?: number } = {}) {
  await db.exec(`TRUNCATE push_outbox, push_state, push_devices, push_conversation_settings, push_prefs, push_log`);
  const members = new FakeMembers();
  const presence = new MemoryPresenceStore();
  const settings = new PushSettingsService(db.relational());
  const metrics = new PushMetrics(new Metrics({ test: 'push' }));
  const apns = new ScriptedProvider('apns');
  const fcm = new ScriptedProvider('fcm');
  const coalesceMs = opts.coalesceMs ?? 0;
  const consumer = new PushEventsConsumer(members, presence, db.relational(), settings, metrics, {
    policy: { threshold: opts.threshold ?? 1000, typingSampleMs: 2000 },
    coalesceMs,
    outboxMax: opts.outboxMax ?? 1000,
  });
  const names = new Map([['u-alice', 'Alice']]);
  const dispatcher = new PushDispatcher(
    db.relational(),
    new PushOutboxRepository(db.relational()),
    members,
    { getUser: async (id: string) => (names.has(id) ? { id, username: id, display_name: names.get(id) ?? '', created_at: '' } : null) },
    { apns, fcm },
    metrics,
    createLogger('test', 'error'),
    { coalesceMs, pollMs: 10, batch: 50, maxInFlight: 50, leaseMs: 60_000, maxAttempts: 3, backoffBaseMs: 1, backoffMaxMs: 5, breakerThreshold: 3, breakerOpenMs: 60_000, ledgerMaxAgeMs: 3600_000 },
  );
  let offset = 0;
  const feed = (...events: ConversationEvent[]) =>
    consumer.handleBatch(events.map((value): LogRecord<ConversationEvent> => ({ topic: 'events', partition: 0, offset: String(offset++), key: 'k', value, headers: {}, timestamp: Date.now() })));
  let seq = 0;
  const message = (conversation_id: string, sender_id: string, text: string, extra: Partial<Message> = {}): ConversationEvent => ({
    type: 'message.created',
    created: true,
    origin: null,
    message: { id: `m-${++seq}`, conversation_id, seq: extra.seq ?? seq, sender_id, client_msg_id: `c-${seq}`, body: { text }, created_at: new Date().toISOString(), ...extra },
  });
  /** Lets due rows become due (the window) and runs the dispatcher until nothing is due. */
  const drain = async () => {
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, coalesceMs + 10));
      if ((await dispatcher.runOnce()) === 0) return;
    }
  };
  return { db, members, presence, settings, metrics, apns, fcm, consumer, dispatcher, feed, message, drain };
}
