import { ConversationDto, MessageDto } from '@parley/protocol';
import { ChatStore, MAX_SHOWN_MESSAGES } from './chat-store';

const conversation = (id: string, type: 'direct' | 'group' = 'group'): ConversationDto => ({
  id,
  type,
  title: type === 'group' ? 'G' : null,
  created_at: 't',
  member_count: 3,
  last_seq: 0,
  me: { role: 'member', last_read_seq: 0, unread_count: 0 },
});

const message = (seq: number, sender = 'u2', clientMsgId = `k${seq}`): MessageDto => ({
  id: `m${seq}`,
  conversation_id: 'c1',
  seq,
  sender_id: sender,
  client_msg_id: clientMsgId,
  body: { text: `text ${seq}` },
  created_at: 't',
});

describe('ChatStore', () => {
  it('replaces the pending copy of my message with the stored one, and orders by seq', () => {
    const store = new ChatStore();
    const entry = store.upsertConversation(conversation('c1'));
    store.addPending(entry, 'me', 'mine-1', 'hello');
    store.addStored(entry, message(2));
    store.addStored(entry, message(1));
    expect(store.sortedMessages(entry).map((m) => [m.seq, m.status])).toEqual([[1, 'sent'], [2, 'sent'], [null, 'sending']]);

    store.addStored(entry, { ...message(3, 'me', 'mine-1'), body: { text: 'hello' } });
    expect(store.sortedMessages(entry).map((m) => [m.seq, m.text])).toEqual([[1, 'text 1'], [2, 'text 2'], [3, 'hello']]);
    expect(entry.dto.last_seq).toBe(3);
  });

  it('applies edit, reaction and delete entries to the message they target instead of showing them (issue 13)', () => {
    const store = new ChatStore();
    const entry = store.upsertConversation(conversation('c1'));
    store.addStored(entry, message(1));
    store.addStored(entry, { ...message(2), body: { text: 'new text' }, kind: 'edit', target_seq: 1 });
    store.addStored(entry, { ...message(3), body: { text: '' }, kind: 'reaction', target_seq: 1, reaction: { emoji: '👍', action: 'add', count: 2 } });
    expect(store.sortedMessages(entry).map((m) => [m.seq, m.text, m.note])).toEqual([[1, 'new text', 'edited · 👍 2']]);
    expect(entry.dto.last_seq).toBe(3);
    store.addStored(entry, { ...message(4), body: { text: '' }, kind: 'reaction', target_seq: 1, reaction: { emoji: '👍', action: 'remove', count: 0 } });
    expect(store.sortedMessages(entry)[0].note).toBe('edited');
    store.addStored(entry, { ...message(5), body: { text: '' }, kind: 'delete', target_seq: 1 });
    expect(store.sortedMessages(entry).map((m) => [m.text, m.note])).toEqual([['', 'message deleted']]);
    store.addStored(entry, { ...message(6), reactions: [{ emoji: ':ok:', count: 1 }], edited_at: 't' });
    expect(store.sortedMessages(entry)[1].note).toBe('edited · :ok: 1');
  });

  it('marks a failed send without losing its text', () => {
    const store = new ChatStore();
    const entry = store.upsertConversation(conversation('c1'));
    store.addPending(entry, 'me', 'k', 'lost?');
    store.settlePending(entry, 'me', 'k', { error: 'FORBIDDEN' });
    expect(store.sortedMessages(entry)).toMatchObject([{ text: 'lost?', status: 'failed', error: 'FORBIDDEN' }]);
  });

  it('keeps at most MAX_SHOWN_MESSAGES, dropping the oldest', () => {
    const store = new ChatStore();
    const entry = store.upsertConversation(conversation('c1'));
    for (let seq = 1; seq <= MAX_SHOWN_MESSAGES + 5; seq++) store.addStored(entry, message(seq));
    const seqs = store.sortedMessages(entry).map((m) => m.seq);
    expect(seqs).toHaveLength(MAX_SHOWN_MESSAGES);
    expect(seqs[0]).toBe(6);
  });

  it('counts readers other than me at or past a seq, or the large-group count', () => {
    const store = new ChatStore();
    const entry = store.upsertConversation(conversation('c1'));
    entry.readers.set('u2', 5);
    entry.readers.set('u3', 2);
    entry.readers.set('me', 9);
    expect(store.readersOf(entry, 4, 'me')).toBe(1);
    expect(store.readersOf(entry, 2, 'me')).toBe(2);
    entry.readCount = { seq: 4, count: 40 };
    expect(store.readersOf(entry, 4, 'me')).toBe(40);
    expect(store.readersOf(entry, 5, 'me')).toBe(1);
  });

  it('lists the most recently active conversation first', () => {
    const store = new ChatStore();
    store.upsertConversation(conversation('a'), 'bottom');
    store.upsertConversation(conversation('b'), 'bottom');
    store.upsertConversation(conversation('c'), 'top');
    store.touch('b');
    expect(store.ordered().map((e) => e.dto.id)).toEqual(['b', 'c', 'a']);
    store.removeConversation('c');
    expect(store.ordered().map((e) => e.dto.id)).toEqual(['b', 'a']);
  });

  it('keeps the latest message as the conversation preview, through edits, deletes and my pending sends', () => {
    const store = new ChatStore();
    const entry = store.upsertConversation(conversation('c1'));
    store.addStored(entry, message(2));
    store.addStored(entry, message(1));
    expect(entry.preview).toEqual({ seq: 2, text: 'text 2', at: 't' });
    store.addStored(entry, { ...message(3, 'u2', 'e3'), kind: 'edit', target_seq: 2, body: { text: 'better 2' } });
    expect(entry.preview?.text).toBe('better 2');
    store.addStored(entry, { ...message(4, 'u2', 'd4'), kind: 'delete', target_seq: 2, body: { text: '' } });
    expect(entry.preview?.text).toBe('message deleted');

    store.addPending(entry, 'me', 'mine-1', 'on its way');
    store.addStored(entry, message(1));
    expect(entry.preview).toMatchObject({ seq: null, text: 'on its way' });
    store.settlePending(entry, 'me', 'mine-1', { seq: 5 });
    expect(entry.preview).toMatchObject({ seq: 5, text: 'on its way' });
  });

  it('applies read frames: my other device, a named reader, a large group count', () => {
    const store = new ChatStore();
    const entry = store.upsertConversation({ ...conversation('c1'), last_seq: 4, me: { role: 'member', last_read_seq: 0, unread_count: 4 } });
    store.applyRead(entry, { type: 'read', conversation_id: 'c1', user_id: 'me', seq: 3 }, 'me');
    expect(entry.dto.me).toMatchObject({ last_read_seq: 3, unread_count: 1 });
    store.applyRead(entry, { type: 'read', conversation_id: 'c1', user_id: 'u2', seq: 4 }, 'me');
    expect(store.readersOf(entry, 4, 'me')).toBe(1);
    store.applyRead(entry, { type: 'read', conversation_id: 'c1', seq: 4, read_by: 7 }, 'me');
    expect(store.readersOf(entry, 4, 'me')).toBe(7);
  });
  it("knows the user's own reactions after a reload: from user_ids, then from their reaction entries; kept when a large group lists counts only", () => {
    const store = new ChatStore();
    store.me = 'me';
    const entry = store.upsertConversation(conversation('c1'));
    store.addStored(entry, { ...message(1), reactions: [{ emoji: '👍', count: 2, user_ids: ['u2', 'me'] }, { emoji: '🎉', count: 1, user_ids: ['u2'] }] });
    const shown = () => store.sortedMessages(entry)[0];
    expect(shown().myReactions).toEqual(['👍']);
    expect(shown().note).toBe('👍 2 · 🎉 1');
    store.addStored(entry, { ...message(2, 'me'), kind: 'reaction', target_seq: 1, body: { text: '' }, reaction: { emoji: '👍', action: 'remove', count: 1 } });
    store.addStored(entry, { ...message(3, 'u2'), kind: 'reaction', target_seq: 1, body: { text: '' }, reaction: { emoji: '🎉', action: 'remove', count: 0 } });
    expect(shown().myReactions).toEqual([]);
    store.addStored(entry, { ...message(4, 'me'), kind: 'reaction', target_seq: 1, body: { text: '' }, reaction: { emoji: '🎉', action: 'add', count: 1 } });
    expect(shown().myReactions).toEqual(['🎉']);
    // Above the large-group threshold a stored message has counts only: what the page learned stays.
    store.addStored(entry, { ...message(1), reactions: [{ emoji: '👍', count: 1 }, { emoji: '🎉', count: 1 }] });
    expect(shown().myReactions).toEqual(['🎉']);
    // A message with no reactions left clears them.
    store.addStored(entry, message(1));
    expect(shown().myReactions).toBeUndefined();
  });
});
