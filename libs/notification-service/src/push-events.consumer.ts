import { LargeGroupPolicy, Message } from '@parley/domain';
import { ConversationEvent, LogRecord, MembershipDirectory, PresenceStore, PushApi, RelationalDb } from '@parley/ports';
import { traceparentOf } from '@parley/observability';
import { PushMetrics } from './delivery/push-metrics';
import { admissionSpan } from './delivery/push-tracing';
import { MemberListCache } from './storage/member-list.cache';
import { PushOutboxRepository } from './storage/push-outbox.repository';

export const NOTIFICATION_GROUP = 'parley-notification';

export interface AdmissionOptions {
  policy: LargeGroupPolicy;
  coalesceMs: number;
  /** Past this many rows with a push due, new pushes are dropped (counted), never queued without bound. */
  outboxMax: number;
}

const PREVIEW_STORED = 200;

/**
 * The notification service's view of the events topic:
 * - message.created: admits the message for members with no live socket whose settings allow it
 *   (docs/adr/0006-push-notifications.md, "Who");
 * - read.updated: drops what is read and schedules a clearing push;
 * - session.revoked: the session's devices stop receiving pushes.
 * Every step is idempotent, so the at-least-once consumer may replay any batch.
 */
export class PushEventsConsumer {
  private readonly outbox: PushOutboxRepository;
  private readonly memberLists: MemberListCache;
  private depth = 0;
  private depthAt = 0;

  constructor(
    members: MembershipDirectory,
    private readonly presence: PresenceStore,
    private readonly db: RelationalDb,
    private readonly devices: Pick<PushApi, 'dropSessionDevices'>,
    private readonly metrics: PushMetrics,
    private readonly options: AdmissionOptions,
  ) {
    this.outbox = new PushOutboxRepository(db);
    this.memberLists = new MemberListCache(members, options.policy);
  }

  /**
   * Conversations of a batch go on side by side, each in log order (a read after a message applies
   * after it); user-addressed events (session.revoked) form their own lanes. A failure fails the
   * batch after the others settle, and the replay repeats only no-ops for what had finished.
   */
  async handleBatch(records: LogRecord<ConversationEvent>[]): Promise<void> {
    const lanes = new Map<string, LogRecord<ConversationEvent>[]>();
    for (const record of records) {
      const value = record.value;
      const lane = value.type === 'message.created' ? `c:${value.message.conversation_id}` : 'conversation_id' in value ? `c:${value.conversation_id}` : 'user_id' in value ? `u:${value.user_id}` : '';
      const list = lanes.get(lane);
      if (list) list.push(record);
      else lanes.set(lane, [record]);
    }
    const results = await Promise.allSettled(
      [...lanes.values()].map(async (lane) => {
        for (const record of lane) await this.handle(record);
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async handle(record: LogRecord<ConversationEvent>): Promise<void> {
    const value = record.value;
    if (value.type === 'message.created') {
      // One step of the message's trace; the push that carries it continues from here.
      const { message, sender_user_id: senderUserId } = value;
      // Lifecycle entries (edits, deletes, reactions; docs/adr/0010) are not new messages: no push.
      if (message.kind !== undefined) return;
      await admissionSpan(record, NOTIFICATION_GROUP, { 'parley.conversation_id': message.conversation_id, 'parley.seq': message.seq }, async (span) => {
        const admitted = await this.admit(message, traceparentOf(span), senderUserId);
        span.setAttribute('parley.push.recipients', admitted);
      });
    }
    else if (value.type === 'read.updated') await this.outbox.read(value.user_id, value.conversation_id, value.seq);
    else if (value.type === 'session.revoked') await this.devices.dropSessionDevices(value.session_id);
    else if (value.type === 'member.added' || value.type === 'member.removed') this.memberLists.forget(value.conversation_id);
  }

  /** Recipients of a message: candidates, minus the sender, the online, the silenced and those without a device. */
  async recipients(message: Message, senderUserId?: string): Promise<string[]> {
    const { count, ids } = await this.memberLists.get(message.conversation_id);
    if (count === 0) return [];
    const mentioned = new Set(message.mentions ?? []);
    // Large groups: only the mentioned, kept on the message at send time; no member list.
    const candidates = ids ?? [...mentioned];
    // Issue 14: an anonymous sender is named by their pseudonym; the event names the user behind it.
    const others = candidates.filter((id) => id !== message.sender_id && id !== senderUserId);
    if (others.length === 0) return [];
    // On the path of every persisted message, and SQL-shaped (the settings' rules as a NOT EXISTS
    // per device owner): one hand-written statement through the client (docs/adr/0004-relational-data.md).
    const mentions = [...mentioned];
    const rows = await this.db.run(
      (c) => c.$queryRaw<{ user_id: string }[]>`SELECT DISTINCT d.user_id FROM push_devices d
        WHERE d.user_id = ANY(${others}::text[])
          AND NOT EXISTS (SELECT 1 FROM push_conversation_settings s
                           WHERE s.conversation_id = ${message.conversation_id} AND s.user_id = d.user_id
                             AND (s.level = 'none' OR (s.level = 'mentions' AND NOT (d.user_id = ANY(${mentions}::text[]))) OR (s.muted_until IS NOT NULL AND s.muted_until > now())))`,
    );
    const withDevices = rows.map((x) => x.user_id);
    if (withDevices.length === 0) return [];
    const online = await this.presence.onlineAmong(withDevices);
    return withDevices.filter((id) => !online.has(id));
  }

  /** Queues the message's pushes; returns how many recipients it has (0 when dropped). */
  private async admit(message: Message, traceparent: string, senderUserId?: string): Promise<number> {
    const userIds = await this.recipients(message, senderUserId);
    if (userIds.length === 0) return 0;
    if ((await this.currentDepth()) >= this.options.outboxMax) {
      this.metrics.dropped.inc({ reason: 'outbox_full' }, userIds.length);
      return 0;
    }
    await this.outbox.admit({
      userIds,
      conversationId: message.conversation_id,
      seq: message.seq,
      messageId: message.id,
      senderId: message.sender_id,
      preview: message.body.text.slice(0, PREVIEW_STORED),
      persistedAt: message.created_at,
      coalesceMs: this.options.coalesceMs,
      traceparent,
    });
    return userIds.length;
  }

  /** The depth, read at most once a second (the bound is approximate by design). */
  private async currentDepth(): Promise<number> {
    if (Date.now() - this.depthAt > 1000) {
      this.depth = await this.outbox.depth();
      this.depthAt = Date.now();
    }
    return this.depth;
  }
}
