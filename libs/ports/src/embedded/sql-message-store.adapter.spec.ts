import { Message, isDomainError } from '@parley/domain';
import { describeMessageStoreContract, uniqueName } from '../contract';
import { runMigrations } from '../sql/migrations';
import { PgliteSqlDb } from './pglite-sql.adapter';
import { ClientMsgIdConflictError, SeqConflictError, SqlMessageStore, messageStoreMigrations } from './sql-message-store.adapter';

let db: PgliteSqlDb;

beforeAll(async () => {
  db = await PgliteSqlDb.open(undefined);
  await runMigrations(db, messageStoreMigrations);
});

afterAll(async () => {
  await db?.close();
});

describeMessageStoreContract('SQL on PGlite', async () => ({ store: new SqlMessageStore(db), cleanup: async () => undefined }));

describe('SqlMessageStore', () => {
  const store = () => new SqlMessageStore(db);
  const message = (conversationId: string, seq: number, overrides: Partial<Message> = {}): Message => ({
    id: `${conversationId}-m${seq}`,
    conversation_id: conversationId,
    seq,
    sender_id: 'user-1',
    client_msg_id: `c-${seq}`,
    body: { text: `message ${seq}` },
    created_at: '2025-01-01T12:00:00.000Z',
    ...overrides,
  });

  it('says which seq and which ids collided when a seq is taken by another message', async () => {
    const conv = uniqueName('conv');
    await store().insert(message(conv, 1));
    const error = await store()
      .insert(message(conv, 1, { id: 'intruder', client_msg_id: 'c-x' }))
      .then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(SeqConflictError);
    expect(error).toMatchObject({ conversationId: conv, seq: 1, storedId: `${conv}-m1`, attemptedId: 'intruder' });
  });

  it('refuses a client_msg_id that is already stored at another seq', async () => {
    const conv = uniqueName('conv');
    await store().insert(message(conv, 1));
    await expect(store().insert(message(conv, 2, { client_msg_id: 'c-1' }))).rejects.toBeInstanceOf(ClientMsgIdConflictError);
    expect(await store().lastSeq(conv)).toBe(1);
  });

  it('orders by seq as a number beyond one digit', async () => {
    const conv = uniqueName('conv');
    for (const seq of [10, 9, 2, 11, 1, 100]) await store().insert(message(conv, seq));
    expect((await store().after(conv, 0, 10)).map((m) => m.seq)).toEqual([1, 2, 9, 10, 11, 100]);
    expect((await store().latest(conv, 2)).map((m) => m.seq)).toEqual([11, 100]);
    expect(await store().lastSeq(conv)).toBe(100);
  });

  it('reads created_at back as ISO-8601 UTC with milliseconds', async () => {
    const conv = uniqueName('conv');
    await store().insert(message(conv, 1, { created_at: '2025-03-04T05:06:07+02:00' }));
    expect((await store().latest(conv, 1))[0].created_at).toBe('2025-03-04T03:06:07.000Z');
  });

  it('rejects malformed input with VALIDATION_FAILED', async () => {
    const conv = uniqueName('conv');
    const code = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (isDomainError(e) ? e.code : String(e)));
    expect(await code(store().insert(message(conv, 0)))).toBe('VALIDATION_FAILED');
    expect(await code(store().insert(message(conv, 1.5)))).toBe('VALIDATION_FAILED');
    expect(await code(store().insert(message(conv, 1, { created_at: 'yesterday' })))).toBe('VALIDATION_FAILED');
    expect(await code(store().insert(message(conv, 1, { body: { text: 7 } as unknown as Message['body'] })))).toBe('VALIDATION_FAILED');
    expect(await code(store().after(conv, -1, 10))).toBe('VALIDATION_FAILED');
    expect(await code(store().latest(conv, Number.NaN))).toBe('VALIDATION_FAILED');
    expect(await code(store().atSeq('', 1))).toBe('VALIDATION_FAILED');
    expect(await code(store().atSeq(conv, -1))).toBe('VALIDATION_FAILED');
    expect(await store().lastSeq(conv)).toBe(0);
  });

  it('answers a limit of 0 with nothing', async () => {
    const conv = uniqueName('conv');
    await store().insert(message(conv, 1));
    expect(await store().after(conv, 0, 0)).toEqual([]);
    expect(await store().latest(conv, 0)).toEqual([]);
  });
});
