import { PushMessage, PushOutcome, PushProvider } from '../push-provider.port';
import { RelationalDb } from '../relational/relational.port';

/**
 * Standalone's default provider: needs no credentials. Each push is kept in `push_log` (the
 * notification service's schema, through Prisma Client) and written to the log, so `npm start`
 * shows what would be sent.
 */
export class RecordingPushProvider implements PushProvider {
  readonly name = 'recording';

  constructor(
    private readonly db: RelationalDb,
    private readonly log: (message: string, fields: Record<string, unknown>) => void,
  ) {}

  async send(m: PushMessage): Promise<PushOutcome> {
    const { platform, token, kind, collapse_id: collapseId, title, body, badge, count } = m;
    // createMany: one INSERT, without reading the row back (create would return it).
    await this.db.run((c) => c.pushLog.createMany({ data: [{ platform, token, kind, collapseId, title, body, badge, count, conversationId: m.data.conversation_id, seq: BigInt(m.data.seq) }] }));
    this.log('push recorded', { platform: m.platform, kind: m.kind, collapse_id: m.collapse_id, badge: m.badge, count: m.count, conversation_id: m.data.conversation_id, seq: m.data.seq });
    return { status: 'accepted' };
  }

  async close(): Promise<void> {}
}
