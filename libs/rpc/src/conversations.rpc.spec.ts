import { forbidden, notFound, validationFailed, type ConversationType, type Message } from '@parley/domain';
import type { ConversationApi, ConversationView, HistoryQuery, SearchQuery, MembershipDirectory, MemberView, ModerationReply, ModerationRequest, Page } from '@parley/ports';
import { GrpcConversationsClient } from './conversations.client';
import { serveConversations } from './conversations.server';
import { expectDomainError, rejectionOf, ServerPool } from './__tests__/rpc-harness';

const BIG = Number.MAX_SAFE_INTEGER;

const group: ConversationView = {
  id: 'c-1',
  type: 'group',
  title: 'Team',
  created_at: '2025-01-01T00:00:00.000Z',
  member_count: 100_000,
  last_seq: BIG,
  me: { role: 'admin', rank: 'owner', last_read_seq: BIG - 1, unread_count: 1 },
};
const direct: ConversationView = { ...group, id: 'c-2', type: 'direct', title: null, member_count: 2, last_seq: 0, me: { role: 'member', rank: 'member', last_read_seq: 0, unread_count: 0 } };
const untitled: ConversationView = { ...group, id: 'c-3', title: '' };
const message = (seq: number): Message => ({
  id: `m-${seq}`,
  conversation_id: 'c-1',
  seq,
  sender_id: 'u-1',
  client_msg_id: `cm-${seq}`,
  body: { text: seq === 1 ? '' : `hello ✓ ${seq}` },
  created_at: '2025-01-01T00:00:01.000Z',
});
const members: MemberView[] = [
  { user_id: 'u-1', role: 'admin', rank: 'owner', joined_at: '2025-01-01T00:00:00.000Z' },
  { user_id: 'u-2', role: 'member', rank: 'moderator', joined_at: '2025-01-01T00:00:02.000Z' },
];

class FakeConversations implements ConversationApi, MembershipDirectory {
  calls: unknown[][] = [];
  failWith: Error | null = null;
  private answer<T>(value: T, ...call: unknown[]): Promise<T> {
    this.calls.push(call);
    return this.failWith ? Promise.reject(this.failWith) : Promise.resolve(value);
  }
  create(actorId: string, input: { type: ConversationType; title?: string | null; member_ids: string[] }) {
    return this.answer({ conversation: input.type === 'direct' ? direct : group, created: input.type === 'group' }, 'create', actorId, input);
  }
  get(actorId: string, conversationId: string) {
    return this.answer(conversationId === 'c-2' ? direct : group, 'get', actorId, conversationId);
  }
  list(actorId: string, limit: number, cursor: string | null): Promise<Page<ConversationView>> {
    const page = cursor === null ? { items: [group, direct, untitled], next_cursor: 'next==' } : { items: [], next_cursor: null };
    return this.answer(page, 'list', actorId, limit, cursor);
  }
  members(actorId: string, conversationId: string, limit: number, cursor: string | null): Promise<Page<MemberView>> {
    return this.answer({ items: cursor ? [] : members, next_cursor: cursor ? null : 'm2' }, 'members', actorId, conversationId, limit, cursor);
  }
  addMembers(actorId: string, conversationId: string, userIds: string[]) {
    return this.answer({ added: userIds.slice(1) }, 'addMembers', actorId, conversationId, userIds);
  }
  removeMember(actorId: string, conversationId: string, userId: string) {
    return this.answer(undefined, 'removeMember', actorId, conversationId, userId);
  }
  moderate(actorId: string, conversationId: string, request: ModerationRequest): Promise<ModerationReply> {
    const body = request.op === 'kick' ? null : { echo: request };
    return this.answer({ created: request.op === 'report', body }, 'moderate', actorId, conversationId, request);
  }
  markRead(actorId: string, conversationId: string, seq: number) {
    return this.answer(undefined, 'markRead', actorId, conversationId, seq);
  }
  readReceipts(actorId: string, conversationId: string, seq: number) {
    return this.answer({ conversation_id: conversationId, seq, read_by: seq === BIG ? 0 : 99_999 }, 'readReceipts', actorId, conversationId, seq);
  }
  history(actorId: string, conversationId: string, query: HistoryQuery) {
    return this.answer({ messages: query.limit === 0 ? [] : [message(1), message(BIG)], has_more: query.limit !== 0 }, 'history', actorId, conversationId, query);
  }
  replies(actorId: string, conversationId: string, seq: number, afterSeq: number, limit: number) {
    const reply = { ...message(afterSeq + 1), reply_to: seq };
    return this.answer({ messages: [reply], has_more: false }, 'replies', actorId, conversationId, seq, afterSeq, limit);
  }
  search(actorId: string, query: SearchQuery) {
    return this.answer({ messages: [message(BIG)], next_cursor: query.cursor === null ? 'next' : null }, 'search', actorId, query);
  }
  revisions(actorId: string, conversationId: string, seq: number) {
    return this.answer({ conversation_id: conversationId, seq, revisions: [{ entry_seq: BIG, text: 'before', replaced_at: '2025-01-01T00:00:05.000Z' }] }, 'revisions', actorId, conversationId, seq);
  }
  conversationIdsOf(userId: string) {
    return this.answer(userId === 'u-none' ? [] : ['c-1', 'c-2'], 'conversationIdsOf', userId);
  }
  isMember(userId: string, conversationId: string) {
    return this.answer(userId === 'u-1', 'isMember', userId, conversationId);
  }
  socketSetups(userIds: readonly string[]) {
    return this.answer(
      userIds.map((id) => ({ user_id: id, conversation_ids: id === 'u-none' ? [] : ['c-1', 'c-2'], direct_partners: id === 'u-none' ? [] : ['u-2'] })),
      'socketSetups',
      [...userIds],
    );
  }
  directPartners(userId: string) {
    return this.answer(userId === 'u-none' ? [] : ['u-2'], 'directPartners', userId);
  }
  sharesConversation(userId: string, otherUserId: string) {
    return this.answer(otherUserId === 'u-2', 'sharesConversation', userId, otherUserId);
  }
  backfill(conversationId: string, afterSeq: number, limit: number) {
    return this.answer([message(afterSeq + 1), { ...message(afterSeq + 2), mentions: ['u-2', 'u-3'] }], 'backfill', conversationId, afterSeq, limit);
  }
  memberCount(conversationId: string) {
    return this.answer(123_456, 'memberCount', conversationId);
  }
  memberIds(conversationId: string, limit: number) {
    return this.answer(['u-1', 'u-2'].slice(0, limit), 'memberIds', conversationId, limit);
  }
  pushContext(userId: string, conversationId: string) {
    return this.answer({ unread_total: BIG, title: conversationId === 'c-2' ? null : 'Team' }, 'pushContext', userId, conversationId);
  }
}

describe('Conversations over gRPC', () => {
  const servers = new ServerPool();
  const impl = new FakeConversations();
  let client: GrpcConversationsClient;

  beforeAll(async () => {
    client = new GrpcConversationsClient(await servers.start((server) => serveConversations(server, impl)));
  });
  afterEach(() => {
    impl.calls = [];
    impl.failWith = null;
  });
  afterAll(async () => {
    client.close();
    await servers.closeAll();
  });

  it('create carries title (null, absent or empty) and answers the view with null title', async () => {
    expect(await client.create('u-1', { type: 'group', title: 'Team', member_ids: ['u-2', 'u-3'] })).toEqual({ conversation: group, created: true });
    expect(await client.create('u-1', { type: 'direct', title: null, member_ids: ['u-2'] })).toEqual({ conversation: direct, created: false });
    await client.create('u-1', { type: 'group', member_ids: [] });
    await client.create('u-1', { type: 'group', title: '', member_ids: [] });
    expect(impl.calls).toEqual([
      ['create', 'u-1', { type: 'group', title: 'Team', member_ids: ['u-2', 'u-3'] }],
      ['create', 'u-1', { type: 'direct', title: null, member_ids: ['u-2'] }],
      ['create', 'u-1', { type: 'group', title: null, member_ids: [] }],
      ['create', 'u-1', { type: 'group', title: '', member_ids: [] }],
    ]);
  });

  it('a conversation type the service does not know is VALIDATION_FAILED before it reaches the service', async () => {
    const error = await rejectionOf(client.create('u-1', { type: 'channel' as ConversationType, member_ids: [] }));
    expectDomainError(error, 'VALIDATION_FAILED', 'type must be one of direct, group');
    expect(impl.calls).toEqual([]);
  });

  it('get and list keep large seqs, null and empty titles, and null cursors', async () => {
    expect(await client.get('u-1', 'c-1')).toEqual(group);
    expect(await client.get('u-1', 'c-2')).toEqual(direct);
    expect(await client.list('u-1', 50, null)).toEqual({ items: [group, direct, untitled], next_cursor: 'next==' });
    expect(await client.list('u-1', 50, 'next==')).toEqual({ items: [], next_cursor: null });
    expect(impl.calls).toEqual([
      ['get', 'u-1', 'c-1'],
      ['get', 'u-1', 'c-2'],
      ['list', 'u-1', 50, null],
      ['list', 'u-1', 50, 'next=='],
    ]);
  });

  it('members, addMembers, removeMember and markRead pass their arguments and answers through', async () => {
    expect(await client.members('u-1', 'c-1', 2, null)).toEqual({ items: members, next_cursor: 'm2' });
    expect(await client.members('u-1', 'c-1', 2, 'm2')).toEqual({ items: [], next_cursor: null });
    expect(await client.addMembers('u-1', 'c-1', ['u-2', 'u-3'])).toEqual({ added: ['u-3'] });
    expect(await client.addMembers('u-1', 'c-1', [])).toEqual({ added: [] });
    await expect(client.removeMember('u-1', 'c-1', 'u-2')).resolves.toBeUndefined();
    await expect(client.markRead('u-1', 'c-1', BIG)).resolves.toBeUndefined();
    expect(impl.calls).toEqual([
      ['members', 'u-1', 'c-1', 2, null],
      ['members', 'u-1', 'c-1', 2, 'm2'],
      ['addMembers', 'u-1', 'c-1', ['u-2', 'u-3']],
      ['addMembers', 'u-1', 'c-1', []],
      ['removeMember', 'u-1', 'c-1', 'u-2'],
      ['markRead', 'u-1', 'c-1', BIG],
    ]);
  });

  it('readReceipts carries seq and the count, large values included', async () => {
    expect(await client.readReceipts('u-1', 'c-1', 7)).toEqual({ conversation_id: 'c-1', seq: 7, read_by: 99_999 });
    expect(await client.readReceipts('u-1', 'c-1', BIG)).toEqual({ conversation_id: 'c-1', seq: BIG, read_by: 0 });
    expect(impl.calls).toEqual([
      ['readReceipts', 'u-1', 'c-1', 7],
      ['readReceipts', 'u-1', 'c-1', BIG],
    ]);
  });

  it('readReceipts answers the service error (a non-member is NOT_FOUND, a bad seq VALIDATION_FAILED)', async () => {
    impl.failWith = notFound('conversation not found');
    expectDomainError(await rejectionOf(client.readReceipts('u-9', 'c-1', 1)), 'NOT_FOUND', 'conversation not found');
    impl.failWith = validationFailed("seq 9 is above the conversation's last_seq 3");
    expectDomainError(await rejectionOf(client.readReceipts('u-1', 'c-1', 9)), 'VALIDATION_FAILED', "seq 9 is above the conversation's last_seq 3");
  });

  it('history keeps absent bounds absent, zero bounds, and messages with large seqs and empty bodies', async () => {
    expect(await client.history('u-1', 'c-1', { limit: 50 })).toEqual({ messages: [message(1), message(BIG)], has_more: true });
    expect(await client.history('u-1', 'c-1', { after_seq: 0, before_seq: BIG, limit: 0 })).toEqual({ messages: [], has_more: false });
    expect(impl.calls).toEqual([
      ['history', 'u-1', 'c-1', { limit: 50 }],
      ['history', 'u-1', 'c-1', { after_seq: 0, before_seq: BIG, limit: 0 }],
    ]);
  });

  it('replies, revisions and the lifecycle fields of messages (issue 13) cross the wire; zero values stay absent', async () => {
    expect(await client.replies('u-1', 'c-1', 3, 7, 50)).toEqual({ messages: [{ ...message(8), reply_to: 3 }], has_more: false });
    expect(await client.revisions('u-1', 'c-1', 3)).toEqual({ conversation_id: 'c-1', seq: 3, revisions: [{ entry_seq: BIG, text: 'before', replaced_at: '2025-01-01T00:00:05.000Z' }] });
    const entry: Message = { ...message(9), body: { text: '' }, kind: 'reaction', target_seq: 3, reaction: { emoji: '👍', action: 'add', count: 2 } };
    const target: Message = { ...message(3), edited_at: '2025-01-01T00:00:06.000Z', reactions: [{ emoji: '👍', count: 2, user_ids: ['u-1', 'u-2'] }, { emoji: ':ok:', count: 1 }] };
    const tomb: Message = { ...message(4), body: { text: '' }, deleted_at: '2025-01-01T00:00:07.000Z', deleted_by: 'u-1' };
    const original = impl.backfill.bind(impl);
    impl.backfill = (c: string, a: number, l: number) => (impl as unknown as { answer: (v: Message[]) => Promise<Message[]> }).answer([target, tomb, entry]) ?? original(c, a, l);
    try {
      expect(await client.backfill('c-1', 2, 3)).toEqual([target, tomb, entry]);
    } finally {
      impl.backfill = original;
    }
    expect(impl.calls).toEqual(expect.arrayContaining([['replies', 'u-1', 'c-1', 3, 7, 50], ['revisions', 'u-1', 'c-1', 3]]));
  });

  it('search (issue 13.3) crosses the wire: an absent conversation_id and cursor stay null', async () => {
    expect(await client.search('u-1', { q: 'hi there', conversation_id: null, limit: 10, cursor: null })).toEqual({ messages: [message(BIG)], next_cursor: 'next' });
    expect(await client.search('u-1', { q: 'hi', conversation_id: 'c-1', limit: 5, cursor: 'abc' })).toEqual({ messages: [message(BIG)], next_cursor: null });
    expect(impl.calls).toEqual(expect.arrayContaining([
      ['search', 'u-1', { q: 'hi there', conversation_id: null, limit: 10, cursor: null }],
      ['search', 'u-1', { q: 'hi', conversation_id: 'c-1', limit: 5, cursor: 'abc' }],
    ]));
  });

  it('moderation requests (issue 13.4) cross the wire as checked JSON; a body-less answer stays null; a bad request is a 400', async () => {
    const mute: ModerationRequest = { op: 'mute', user_id: 'u-2', duration_seconds: 60 };
    expect(await client.moderate('u-1', 'c-1', mute)).toEqual({ created: false, body: { echo: mute } });
    expect(await client.moderate('u-1', 'c-1', { op: 'kick', user_id: 'u-2' })).toEqual({ created: false, body: null });
    const report: ModerationRequest = { op: 'report', seq: BIG, reason: 'spam ✓' };
    expect(await client.moderate('u-2', 'c-1', report)).toEqual({ created: true, body: { echo: report } });
    expectDomainError(await rejectionOf(client.moderate('u-1', 'c-1', { op: 'mute', user_id: 'u-2', duration_seconds: 0 })), 'VALIDATION_FAILED');
    expectDomainError(await rejectionOf(client.moderate('u-1', 'c-1', { op: 'nope' } as unknown as ModerationRequest)), 'VALIDATION_FAILED');
    expect(impl.calls).toEqual(expect.arrayContaining([['moderate', 'u-1', 'c-1', mute], ['moderate', 'u-2', 'c-1', report]]));
  });

  it('membership lookups, backfill and the directory calls answer through', async () => {
    expect(await client.conversationIdsOf('u-1')).toEqual(['c-1', 'c-2']);
    expect(await client.conversationIdsOf('u-none')).toEqual([]);
    expect(await client.socketSetups(['u-1', 'u-none'])).toEqual([
      { user_id: 'u-1', conversation_ids: ['c-1', 'c-2'], direct_partners: ['u-2'] },
      { user_id: 'u-none', conversation_ids: [], direct_partners: [] },
    ]);
    expect(await client.isMember('u-1', 'c-1')).toBe(true);
    expect(await client.isMember('u-9', 'c-1')).toBe(false);
    expect(await client.directPartners('u-1')).toEqual(['u-2']);
    expect(await client.directPartners('u-none')).toEqual([]);
    expect(await client.sharesConversation('u-1', 'u-2')).toBe(true);
    expect(await client.sharesConversation('u-1', 'u-3')).toBe(false);
    expect(await client.backfill('c-1', BIG - 2, 100)).toEqual([message(BIG - 1), { ...message(BIG), mentions: ['u-2', 'u-3'] }]);
    expect(await client.memberCount('c-1')).toBe(123_456);
    expect(await client.memberIds('c-1', 1)).toEqual(['u-1']);
    expect(await client.pushContext('u-1', 'c-1')).toEqual({ unread_total: BIG, title: 'Team' });
    expect(await client.pushContext('u-1', 'c-2')).toEqual({ unread_total: BIG, title: null });
    expect(impl.calls).toEqual([
      ['conversationIdsOf', 'u-1'],
      ['conversationIdsOf', 'u-none'],
      ['socketSetups', ['u-1', 'u-none']],
      ['isMember', 'u-1', 'c-1'],
      ['isMember', 'u-9', 'c-1'],
      ['directPartners', 'u-1'],
      ['directPartners', 'u-none'],
      ['sharesConversation', 'u-1', 'u-2'],
      ['sharesConversation', 'u-1', 'u-3'],
      ['backfill', 'c-1', BIG - 2, 100],
      ['memberCount', 'c-1'],
      ['memberIds', 'c-1', 1],
      ['pushContext', 'u-1', 'c-1'],
      ['pushContext', 'u-1', 'c-2'],
    ]);
  });

  it('rethrows the service DomainError with its code and message', async () => {
    impl.failWith = notFound('conversation not found');
    expectDomainError(await rejectionOf(client.get('u-9', 'c-1')), 'NOT_FOUND', 'conversation not found');
    impl.failWith = forbidden('only admins may add members');
    expectDomainError(await rejectionOf(client.addMembers('u-2', 'c-1', ['u-4'])), 'FORBIDDEN', 'only admins may add members');
  });
});
