import { Message } from '@parley/domain';
import { ConversationEvent, LogRecord, PgliteSqlDb, runMigrations } from '@parley/ports';
import { messagingMigrations } from '../storage/messaging.migrations';
import { SearchProjection } from './search-projection';
import { SearchRepository } from './search.repository';

/** The projection and its query against a real (embedded) Postgres: PGlite, as standalone runs it. */
describe('search projection and query (PGlite)', () => {
  let db: PgliteSqlDb;
  let repo: SearchRepository;
  let projection: SearchProjection;
  let offset = 0;

  const msg = (seq: number, text: string, over: Partial<Message> = {}): Message => ({
    id: `m${seq}`, conversation_id: 'c1', seq, sender_id: 'bob', client_msg_id: `k${seq}`, body: { text }, created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(), ...over,
  });
  const created = (message: Message, isNew = true): LogRecord<ConversationEvent> => ({
    topic: 'events', partition: 0, offset: String(offset++), key: message.conversation_id, headers: {}, timestamp: 0,
    value: { type: 'message.created', message, origin: null, created: isNew },
  });
  const feed = (...records: LogRecord<ConversationEvent>[]) => projection.handleBatch(records);
  const seqs = async (q: string, user = 'alice', extra: { conversation_id?: string; limit?: number; cursor?: string | null } = {}) => {
    const r = await repo.search(user, { q, conversation_id: extra.conversation_id ?? null, limit: extra.limit ?? 50, cursor: extra.cursor ?? null });
    return r.messages.map((m) => `${m.conversation_id}:${m.seq}`);
  };

  beforeAll(async () => {
    db = await PgliteSqlDb.open(undefined);
    await runMigrations(db, messagingMigrations);
    await db.exec(`INSERT INTO conversations (id, type, created_at, last_activity_at) VALUES ('c1', 'group', now(), now()), ('c2', 'group', now(), now());
      INSERT INTO memberships (conversation_id, user_id, role, joined_at) VALUES ('c1', 'alice', 'admin', now()), ('c2', 'alice', 'member', now()), ('c2', 'mallory', 'member', now());`);
    repo = new SearchRepository(db);
    projection = new SearchProjection(repo);
  });
  afterAll(() => db.close());

  it('indexes messages with text, not repeats, tombstones, empty texts or reactions', async () => {
    await feed(
      created(msg(1, 'Hello brave new World')),
      created(msg(2, 'hello again')),
      created(msg(3, 'hello repeat'), false),
      created(msg(4, 'hello gone', { deleted_at: 't' })),
      created(msg(5, '   ')),
      created(msg(6, '', { kind: 'reaction', target_seq: 1, reaction: { emoji: 'x', action: 'add', count: 1 } })),
      created(msg(7, 'hello from c2', { conversation_id: 'c2' })),
    );
    expect(await seqs('hello')).toEqual(['c2:7', 'c1:2', 'c1:1']); // newest first
    expect(await seqs('WORLD brave')).toEqual(['c1:1']); // every word, case-folded
    expect(await seqs('hello', 'alice', { conversation_id: 'c1' })).toEqual(['c1:2', 'c1:1']);
    expect(await seqs('hello', 'mallory')).toEqual(['c2:7']); // membership joined at query time
    expect(await seqs('hello', 'nobody')).toEqual([]);
    expect(await seqs('hello & !world | (')).toEqual(['c1:1']); // operators never reach tsquery: the words must all match
  });

  it('applies edits (newest wins, replays never revert) and deletes', async () => {
    await feed(created(msg(8, 'renamed text', { kind: 'edit', target_seq: 1 })));
    expect(await seqs('world')).toEqual([]);
    const [edited] = (await repo.search('alice', { q: 'renamed', conversation_id: null, limit: 5, cursor: null })).messages;
    expect(edited).toMatchObject({ seq: 1, body: { text: 'renamed text' }, edited_at: msg(8, '').created_at });
    // A replay of the original and an older edit change nothing.
    await feed(created(msg(1, 'Hello brave new World')), created(msg(8, 'older edit', { kind: 'edit', target_seq: 1 })));
    expect(await seqs('renamed')).toEqual(['c1:1']);
    await feed(created(msg(9, '', { kind: 'delete', target_seq: 2 })));
    expect(await seqs('hello')).toEqual(['c2:7']);
    await feed(created(msg(9, '', { kind: 'delete', target_seq: 2 }))); // redelivered delete: still gone, no error
    expect(await seqs('again')).toEqual([]);
  });

  it('pages by keyset, newest first, every hit once', async () => {
    await feed(...Array.from({ length: 7 }, (_, i) => created(msg(20 + i, `page word ${i}`, { conversation_id: i % 2 ? 'c1' : 'c2' }))));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r = await repo.search('alice', { q: 'page word', conversation_id: null, limit: 3, cursor });
      seen.push(...r.messages.map((m) => `${m.conversation_id}:${m.seq}`));
      cursor = r.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual([26, 25, 24, 23, 22, 21, 20].map((s) => `${s % 2 ? 'c1' : 'c2'}:${s}`));
  });

  it('indexes a run of new messages in one statement, keeping log order around edits and deletes', async () => {
    const inserts = jest.spyOn(repo, 'insert');
    try {
      await feed(
        created(msg(40, 'alpha run')),
        created(msg(41, 'beta run')),
        created(msg(42, 'gamma run', { kind: 'edit', target_seq: 40 })),
        created(msg(43, 'delta run')),
        created(msg(44, 'epsilon run')),
        created(msg(45, '', { kind: 'delete', target_seq: 43 })),
      );
      // Two runs: 40-41 before the edit, 43-44 between the edit and the delete.
      expect(inserts.mock.calls.map(([ms]) => ms.map((m) => m.seq))).toEqual([[40, 41], [43, 44]]);
      expect(await seqs('run')).toEqual(['c1:44', 'c1:41', 'c1:40']);
      expect(await seqs('gamma')).toEqual(['c1:40']);
      expect(await seqs('alpha')).toEqual([]);
    } finally {
      inserts.mockRestore();
    }
  });
});
