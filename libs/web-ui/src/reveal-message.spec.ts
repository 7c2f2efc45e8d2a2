import { ParleyRest } from '@parley/client';
import { ConversationDto, HistoryDto, MessageDto } from '@parley/protocol';
import { ChatStore } from './chat-store';
import { revealMessage } from './reveal-message';

const conversation: ConversationDto = {
  id: 'c1',
  type: 'group',
  title: 'G',
  created_at: 't',
  member_count: 3,
  last_seq: 1000,
  me: { role: 'member', last_read_seq: 0, unread_count: 0 },
};

const message = (seq: number): MessageDto => ({ id: `m${seq}`, conversation_id: 'c1', seq, sender_id: 'u2', client_msg_id: `k${seq}`, body: { text: `text ${seq}` }, created_at: 't' });
/** Every fifth seq is a reaction entry on the message before it, carrying an old count. */
const stored = (seq: number): MessageDto =>
  seq % 5 === 0 ? { ...message(seq), kind: 'reaction', target_seq: seq - 1, body: { text: '' }, reaction: { emoji: '👍', action: 'add', count: 1 } } : message(seq);

/** An in-process history (unit test double): `before_seq` pages, ascending, as docs/api/v1.md says. */
function fakeRest(calls: Array<{ before_seq?: number; limit?: number }>): ParleyRest {
  const history = async (_id: string, options: { before_seq?: number; limit?: number } = {}): Promise<HistoryDto> => {
    calls.push(options);
    const before = options.before_seq ?? 1001;
    const from = Math.max(1, before - (options.limit ?? 50));
    const messages = Array.from({ length: before - from }, (_, i) => stored(from + i));
    return { messages, has_more: from > 1 } as HistoryDto;
  };
  return { history } as unknown as ParleyRest;
}

describe('revealMessage', () => {
  it('loads older pages back to the message without gaps and without replaying their entries', async () => {
    const store = new ChatStore();
    const entry = store.upsertConversation(conversation);
    for (let seq = 951; seq <= 1000; seq++) store.addStored(entry, stored(seq));
    const calls: Array<{ before_seq?: number }> = [];
    await expect(revealMessage(fakeRest(calls), store, entry, 801)).resolves.toBe(true);
    expect(calls.map((c) => c.before_seq)).toEqual([951, 851]);
    const seqs = store.sortedMessages(entry).map((m) => m.seq ?? 0);
    expect(seqs.filter((s) => s % 5 === 0)).toEqual([]); // entries are no rows
    expect(Math.min(...seqs)).toBe(751);
    expect(seqs.length).toBe(250 - 50); // 751..1000 without the entries
    expect(store.sortedMessages(entry).find((m) => m.seq === 804)?.note).toBeUndefined(); // an older page's entry is not replayed
  });

  it('gives up (false) when the message is further back than the page may show', async () => {
    const store = new ChatStore();
    const entry = store.upsertConversation(conversation);
    for (let seq = 951; seq <= 1000; seq++) store.addStored(entry, stored(seq));
    const calls: Array<{ before_seq?: number }> = [];
    await expect(revealMessage(fakeRest(calls), store, entry, 2)).resolves.toBe(false);
    expect(store.sortedMessages(entry).length).toBeLessThanOrEqual(500);
  });

  it('is true at once for a message already shown', async () => {
    const store = new ChatStore();
    const entry = store.upsertConversation(conversation);
    store.addStored(entry, message(999));
    const calls: Array<{ before_seq?: number }> = [];
    await expect(revealMessage(fakeRest(calls), store, entry, 999)).resolves.toBe(true);
    expect(calls).toEqual([]);
  });
});
