/**
 * Issue 13.3: full-text search over the caller's conversations (docs/adr/0015-search.md), through
 * the SDK, on standalone and (PARLEY_E2E_TARGET=mesh) on the mesh: sends are found, a non-member
 * finds nothing, an edit changes what is found, a delete removes it, paging walks every hit once.
 */
import { randomUUID } from 'node:crypto';
import { ParleyApiError, ParleyRest } from '@parley/client';
import { rest } from '../support/rest';
import { e2eTest, useParley } from '../support/suite';
import { createGroup, registerUser } from '../support/users';

const parley = useParley();

/** The index follows the events stream: poll (bounded) until `check` holds. */
async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (check(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('search', () => {
  e2eTest('finds members\' messages, follows edits and deletes, pages, and shows nothing to non-members', async () => {
    const { baseUrl } = parley.current;
    const [alice, bob, mallory] = await Promise.all(['alice', 'bob', 'mallory'].map((p) => registerUser(baseUrl, p)));
    const group = await createGroup(baseUrl, alice.accessToken, 'search', [bob.user.id]);
    const aliceRest = new ParleyRest({ baseUrl, getAccessToken: () => alice.accessToken });
    const bobRest = new ParleyRest({ baseUrl, getAccessToken: () => bob.accessToken });
    const malloryRest = new ParleyRest({ baseUrl, getAccessToken: () => mallory.accessToken });
    const word = `w${randomUUID().replace(/-/g, '')}`; // unique to this run
    const other = `o${randomUUID().replace(/-/g, '')}`;

    const sent = [];
    for (let i = 0; i < 5; i++) sent.push((await bobRest.sendMessage(group.id, randomUUID(), `note ${i} about ${word}`)).message);
    await aliceRest.sendMessage(group.id, randomUUID(), `nothing to see ${other}`);

    const all = await eventually(() => aliceRest.searchMessages(word), (r) => r.messages.length === 5, 'five hits');
    expect(all.messages.map((m) => m.seq)).toEqual(sent.map((m) => m.seq).reverse()); // newest first
    expect(all.messages[0]).toMatchObject({ conversation_id: group.id, sender_id: bob.user.id, body: { text: `note 4 about ${word}` } });
    expect(all.next_cursor).toBeNull();
    expect((await aliceRest.searchMessages(`${word} note 3`, { conversation_id: group.id })).messages.map((m) => m.seq)).toEqual([sent[3]!.seq]);

    // Paging: two at a time, every hit once, in order.
    const seen: number[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const r = await bobRest.searchMessages(word, { limit: 2, cursor });
      seen.push(...r.messages.map((m) => m.seq));
      cursor = r.next_cursor;
      if (cursor === null) break;
    }
    expect(seen).toEqual(sent.map((m) => m.seq).reverse());

    // A non-member finds nothing, and naming the conversation is a 404.
    expect((await malloryRest.searchMessages(word)).messages).toEqual([]);
    await expect(malloryRest.searchMessages(word, { conversation_id: group.id })).rejects.toMatchObject({ status: 404 });

    // An edit changes what is found; a delete removes the message.
    const renamed = `r${randomUUID().replace(/-/g, '')}`;
    await bobRest.editMessage(group.id, sent[0]!.seq, randomUUID(), `renamed ${renamed}`);
    const found = await eventually(() => aliceRest.searchMessages(renamed), (r) => r.messages.length === 1, 'the edited text');
    expect(found.messages[0]).toMatchObject({ seq: sent[0]!.seq, body: { text: `renamed ${renamed}` }, edited_at: expect.any(String) });
    await aliceRest.deleteMessage(group.id, sent[1]!.seq, randomUUID());
    const after = await eventually(() => aliceRest.searchMessages(word), (r) => r.messages.length === 3, 'the edit and the delete applied');
    expect(after.messages.map((m) => m.seq)).toEqual([sent[4]!.seq, sent[3]!.seq, sent[2]!.seq]);

    // A member who leaves finds nothing there any more.
    await aliceRest.removeMember(group.id, bob.user.id);
    expect((await bobRest.searchMessages(word)).messages).toEqual([]);

    // Bad input is a 400, never a 500.
    for (const q of ['', `q=${'x'.repeat(201)}`, 'q=a%00b', 'q=a&limit=0', 'q=a&cursor=bm9wZQ']) {
      const r = await rest<{ error: { code: string } }>(baseUrl, 'GET', `/v1/search/messages?${q}`, { token: alice.accessToken });
      expect({ q, status: r.status, code: r.body.error.code }).toEqual({ q, status: 400, code: 'VALIDATION_FAILED' });
    }
    await expect(aliceRest.searchMessages('   ')).rejects.toBeInstanceOf(ParleyApiError);
  });
});
