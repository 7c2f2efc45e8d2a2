import { isLargeGroup, LargeGroupPolicy, Message } from '@parley/domain';
import { ConversationEvent, LogRecord, MembershipDirectory, PresenceStore, SqlDb } from '@parley/ports';

export const NOTIFICATION_GROUP = 'parley-notification';

/** The payload this consumer handles. */
export type MessageCreated = Extract<ConversationEvent, { type: 'message.created' }>;

/**
 * Decides who is pushed for a new message: members of direct and small groups who are offline.
 * Above the large-group threshold it does no per-member work at message time (no member scan);
 * large groups are pushed only to members who opt in or are mentioned, which needs the
 * preferences of the notification-provider issue. Recording is idempotent per (user, conversation, seq).
 */
export class MessageCreatedConsumer {
  constructor(
    private readonly members: MembershipDirectory,
    private readonly presence: PresenceStore,
    private readonly db: SqlDb,
    private readonly policy: LargeGroupPolicy,
    /** Told how many pushes a message queued (metrics). */
    private readonly onQueued: (pushes: number) => void = () => undefined,
  ) {}

  async handleBatch(records: LogRecord<ConversationEvent>[]): Promise<void> {
    for (const { value } of records) {
      if (value.type === 'message.created') await this.handle(value.message);
    }
  }

  private async handle(message: Message): Promise<void> {
    const count = await this.members.memberCount(message.conversation_id);
    if (count === 0 || isLargeGroup(count, this.policy)) return;
    const ids = (await this.members.memberIds(message.conversation_id, this.policy.threshold)).filter((id) => id !== message.sender_id);
    if (ids.length === 0) return;
    const online = await this.presence.onlineAmong(ids);
    const offline = ids.filter((id) => !online.has(id));
    if (offline.length === 0) return;
    await this.db.query(
      `INSERT INTO push_outbox (user_id, conversation_id, seq, message_id)
       SELECT u, $2, $3, $4 FROM unnest($1::text[]) AS u ON CONFLICT DO NOTHING`,
      [offline, message.conversation_id, message.seq, message.id],
    );
    this.onQueued(offline.length);
  }
}
