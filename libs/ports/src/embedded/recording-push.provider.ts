import { PushMessage, PushOutcome, PushProvider } from '../push-provider.port';
import { SqlDb } from '../sql.port';

/**
 * Standalone's default provider: needs no credentials. Each push is kept in `push_log` (the
 * notification service's schema) and written to the log, so `npm start` shows what would be sent.
 */
export class RecordingPushProvider implements PushProvider {
  readonly name = 'recording';

  constructor(
    private readonly db: SqlDb,
    private readonly log: (message: string, fields: Record<string, unknown>) => void,
  ) {}

  async send(m: PushMessage): Promise<PushOutcome> {
    await this.db.query(
      `INSERT INTO push_log (platform, token, kind, collapse_id, title, body, badge, count, conversation_id, seq) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
      [m.platform, m.token, m.kind, m.collapse_id, m.title, m.body, m.badge, m.count, m.data.conversation_id, Number(m.data.seq)],
    );
    this.log('push recorded', { platform: m.platform, kind: m.kind, collapse_id: m.collapse_id, badge: m.badge, count: m.count, conversation_id: m.data.conversation_id, seq: m.data.seq });
    return { status: 'accepted' };
  }

  async close(): Promise<void> {}
}
