/// <reference types="jest" />
import { Message } from '@parley/domain';
import { MessageStore } from '../message-store.port';
import { uniqueName } from './support';

export interface MessageStoreUnderTest {
  store: MessageStore;
  /** Releases the client; the suite's rows live in conversations of their own and may stay. */
  cleanup(): Promise<void>;
}

/** What every MessageStore adapter must do for its callers (see message-store.port.ts). */
export function describeMessageStoreContract(name: string, makeAdapter: () => Promise<MessageStoreUnderTest>): void {
  describe(`MessageStore contract: ${name}`, () => {
    let adapter: MessageStoreUnderTest;
    let store: MessageStore;

    beforeAll(async () => {
      adapter = await makeAdapter();
      store = adapter.store;
    });

    afterAll(async () => {
      await adapter?.cleanup();
    });

    function message(conversationId: string, seq: number, overrides: Partial<Message> = {}): Message {
      return {
        id: `${conversationId}-m${seq}`,
        conversation_id: conversationId,
        seq,
        sender_id: 'user-1',
        client_msg_id: `c-${seq}`,
        body: { text: `message ${seq}` },
        created_at: new Date(Date.UTC(2025, 0, 1, 12, 0, seq)).toISOString(),
        ...overrides,
      };
    }

    async function conversationWith(count: number): Promise<{ id: string; messages: Message[] }> {
      const id = uniqueName('conv');
      const messages = Array.from({ length: count }, (_, i) => message(id, i + 1));
      // Out of order on purpose: reads must order by seq, not by arrival.
      for (const m of [...messages].reverse()) await store.insert(m);
      return { id, messages };
    }

    it('answers an empty conversation with nothing and last seq 0', async () => {
      const id = uniqueName('conv');
      expect(await store.lastSeq(id)).toBe(0);
      expect(await store.after(id, 0, 10)).toEqual([]);
      expect(await store.before(id, 10, 10)).toEqual([]);
      expect(await store.latest(id, 10)).toEqual([]);
      expect(await store.atSeq(id, 1)).toBeNull();
    });

    it('returns a stored message exactly as written', async () => {
      const id = uniqueName('conv');
      const m = message(id, 1, { body: { text: 'héllo 👋 "quoted" \\ back' } });
      await store.insert(m);
      expect(await store.after(id, 0, 10)).toEqual([m]);
      expect(await store.lastSeq(id)).toBe(1);
    });

    it('keeps a message\'s mentions (an additive field) and leaves them absent when there are none', async () => {
      const id = uniqueName('conv');
      const m = message(id, 1, { mentions: ['user-2', 'user-3'] });
      await store.insert(m);
      await store.insert(message(id, 2));
      expect(await store.after(id, 0, 10)).toEqual([m, message(id, 2)]);
      expect(await store.atSeq(id, 1)).toEqual(m);
    });

    it('keeps the lifecycle fields of entries and messages, and rewrites a message in place (issue 13)', async () => {
      const id = uniqueName('conv');
      const reply = message(id, 2, { reply_to: 1 });
      const entry = message(id, 3, { body: { text: '' }, kind: 'reaction', target_seq: 1, reaction: { emoji: '👍', action: 'add', count: 1 } });
      await store.insertClaimed([message(id, 1), reply, entry]);
      expect(await store.after(id, 1, 10)).toEqual([reply, entry]);
      const edited = message(id, 1, { body: { text: 'edited' }, edited_at: '2025-01-02T00:00:00.000Z', reactions: [{ emoji: '👍', count: 1, user_ids: ['user-2'] }] });
      await store.rewrite(edited);
      expect(await store.after(id, 0, 1)).toEqual([edited]);
      expect(await store.atSeq(id, 1)).toEqual(edited);
      const tomb = message(id, 1, { body: { text: '' }, deleted_at: '2025-01-03T00:00:00.000Z', deleted_by: 'user-2' });
      await store.rewrite(tomb);
      expect(await store.latest(id, 10)).toEqual([tomb, reply, entry]);
      expect(await store.lastSeq(id)).toBe(3);
    });

    it('keeps a body\'s attachments (an additive field) with mentions beside them', async () => {
      const id = uniqueName('conv');
      const attachments = [{ id: 'att-1', content_type: 'image/png', size: 1234, thumbnail: true }];
      const m = message(id, 1, { body: { text: 'look', attachments }, mentions: ['user-2'] });
      await store.insert(m);
      expect(await store.after(id, 0, 10)).toEqual([m]);
    });

    it('treats writing the same message at the same seq again as a no-op', async () => {
      const { id, messages } = await conversationWith(2);
      await store.insert(messages[1]);
      await store.insert({ ...messages[0] });
      expect(await store.after(id, 0, 10)).toEqual(messages);
      expect(await store.lastSeq(id)).toBe(2);
    });

    it('refuses a different message at a seq that is already taken, keeping the stored one', async () => {
      const { id, messages } = await conversationWith(1);
      const intruder = message(id, 1, { id: 'another-id', client_msg_id: 'c-other', body: { text: 'intruder' } });
      await expect(store.insert(intruder)).rejects.toThrow(/seq conflict/);
      expect(await store.after(id, 0, 10)).toEqual(messages);
      expect(await store.atSeq(id, 1)).toEqual(messages[0]);
    });

    it('writes a claimed batch without reading, in seq order across partitions, and again as a no-op', async () => {
      const id = uniqueName('conv');
      const messages = Array.from({ length: 8 }, (_, i) => message(id, i + 1, { sender_id: `user-${i % 3}` }));
      await store.insertClaimed([...messages.slice(4), ...messages.slice(0, 4)]);
      expect(await store.after(id, 0, 20)).toEqual(messages);
      await store.insertClaimed(messages.slice(2, 6));
      await store.insertClaimed([]);
      expect(await store.after(id, 0, 20)).toEqual(messages);
      expect(await store.lastSeq(id)).toBe(8);
      expect(await store.atSeq(id, 5)).toEqual(messages[4]);
    });

    it('refuses a claimed batch that mixes conversations or holds an invalid message, writing none of it', async () => {
      const one = uniqueName('conv');
      const two = uniqueName('conv');
      await expect(store.insertClaimed([message(one, 1), message(two, 1)])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(store.insertClaimed([message(one, 1), message(one, 0)])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(await store.lastSeq(one)).toBe(0);
      expect(await store.lastSeq(two)).toBe(0);
    });

    it('pages forward with after(), ascending and bounded by limit', async () => {
      const { id, messages } = await conversationWith(10);
      expect(await store.after(id, 0, 3)).toEqual(messages.slice(0, 3));
      expect(await store.after(id, 3, 4)).toEqual(messages.slice(3, 7));
      expect(await store.after(id, 8, 5)).toEqual(messages.slice(8));
      expect(await store.after(id, 10, 5)).toEqual([]);
      expect(await store.lastSeq(id)).toBe(10);
    });

    it('pages backward with before(): the messages just before the seq, ascending', async () => {
      const { id, messages } = await conversationWith(10);
      expect((await store.before(id, 5, 2)).map((m) => m.seq)).toEqual([3, 4]);
      expect(await store.before(id, 11, 3)).toEqual(messages.slice(7));
      expect(await store.before(id, 3, 10)).toEqual(messages.slice(0, 2));
      expect(await store.before(id, 1, 10)).toEqual([]);
    });

    it('returns the latest messages ascending', async () => {
      const { id, messages } = await conversationWith(10);
      expect(await store.latest(id, 3)).toEqual(messages.slice(7));
      expect(await store.latest(id, 50)).toEqual(messages);
    });

    it('keeps conversations apart', async () => {
      const one = await conversationWith(3);
      const two = await conversationWith(5);
      expect(await store.lastSeq(one.id)).toBe(3);
      expect(await store.latest(one.id, 10)).toEqual(one.messages);
      expect(await store.after(two.id, 0, 10)).toEqual(two.messages);
    });

    it('finds a message by (conversation, seq) and nothing at a seq not stored', async () => {
      const { id, messages } = await conversationWith(3);
      const entry = message(id, 4, { sender_id: 'user-2', body: { text: '' }, kind: 'delete', target_seq: 2 });
      await store.insertClaimed([entry]);
      expect(await store.atSeq(id, 2)).toEqual(messages[1]);
      expect(await store.atSeq(id, 4)).toEqual(entry);
      expect(await store.atSeq(id, 5)).toBeNull();
      expect(await store.atSeq(id, 0)).toBeNull();
      expect(await store.atSeq(uniqueName('conv'), 2)).toBeNull();
    });
  });
}
