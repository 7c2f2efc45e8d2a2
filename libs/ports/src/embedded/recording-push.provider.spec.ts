import { PgliteSqlDb } from './pglite-sql.adapter';
import { RecordingPushProvider } from './recording-push.provider';

// push_log as the notification service's migration creates it (libs/notification-service/src/notification.migrations.ts).
const PUSH_LOG = `CREATE TABLE push_log (
  id bigserial PRIMARY KEY, platform text NOT NULL, token text NOT NULL, kind text NOT NULL, collapse_id text NOT NULL,
  title text NOT NULL, body text NOT NULL, badge integer NOT NULL, count integer NOT NULL, conversation_id text NOT NULL, seq bigint NOT NULL,
  sent_at timestamptz NOT NULL DEFAULT now())`;

describe('RecordingPushProvider', () => {
  let db: PgliteSqlDb;
  beforeAll(async () => {
    db = await PgliteSqlDb.open(undefined);
    await db.exec(PUSH_LOG);
  });
  afterAll(() => db.close());

  it('keeps each push in push_log (through Prisma Client) and logs it, accepting it', async () => {
    const logged: Record<string, unknown>[] = [];
    const provider = new RecordingPushProvider(db.relational(), (_message, fields) => logged.push(fields));
    const push = { platform: 'apns', token: 't-1', app_id: 'a.b', sandbox: false, kind: 'alert', collapse_id: 'c:c-1', title: "O'Brien", body: 'hi (+1)', badge: 3, count: 2, data: { conversation_id: 'c-1', seq: '9007199254740993' } } as const;
    await expect(provider.send(push)).resolves.toEqual({ status: 'accepted' });
    await expect(provider.send({ ...push, kind: 'clear', title: '', body: '', count: 0, data: { conversation_id: 'c-1', seq: '7' } })).resolves.toEqual({ status: 'accepted' });
    const rows = await db.query<Record<string, unknown>>(`SELECT platform, token, kind, collapse_id, title, body, badge, count, conversation_id, seq::text AS seq FROM push_log ORDER BY id`);
    expect(rows.rows).toEqual([
      { platform: 'apns', token: 't-1', kind: 'alert', collapse_id: 'c:c-1', title: "O'Brien", body: 'hi (+1)', badge: 3, count: 2, conversation_id: 'c-1', seq: '9007199254740993' },
      { platform: 'apns', token: 't-1', kind: 'clear', collapse_id: 'c:c-1', title: '', body: '', badge: 3, count: 0, conversation_id: 'c-1', seq: '7' },
    ]);
    expect(logged.map((f) => [f.kind, f.seq])).toEqual([['alert', '9007199254740993'], ['clear', '7']]);
  });
});
