import { Message } from '@parley/domain';
import { RecentMessages } from './recent-messages';

const msg = (seq: number): Message =>
  ({ id: `m${seq}`, conversation_id: 'c1', seq, sender_id: 'u1', client_msg_id: `k${seq}`, body: { text: `t${seq}` }, created_at: '2026-11-25T00:00:00.000Z' }) as Message;

function filled(capacity: number, from: number, to: number): RecentMessages {
  const r = new RecentMessages(capacity);
  for (let s = from; s <= to; s++) r.push(msg(s));
  return r;
}

describe('RecentMessages', () => {
  it('answers a resume inside its range with the messages after the seq, in order', () => {
    const r = filled(10, 1, 5);
    expect(r.pageAfter(2, 100)).toEqual({ messages: [msg(3), msg(4), msg(5)], has_more: false });
    expect(r.pageAfter(0, 100)?.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(r.pageAfter(5, 100)).toEqual({ messages: [], has_more: false });
  });

  it('pages by limit and says when more remain', () => {
    expect(filled(10, 1, 5).pageAfter(1, 2)).toEqual({ messages: [msg(2), msg(3)], has_more: true });
  });

  it('keeps only the newest `capacity` messages and refuses what fell out', () => {
    const r = filled(3, 1, 6);
    expect(r.size).toBe(3);
    expect(r.pageAfter(3, 10)?.messages.map((m) => m.seq)).toEqual([4, 5, 6]);
    expect(r.pageAfter(2, 10)).toBeNull();
  });

  it('refuses a seq past its end: those messages have not been published here yet', () => {
    expect(filled(10, 1, 5).pageAfter(6, 10)).toBeNull();
    expect(new RecentMessages(4).pageAfter(0, 10)).toBeNull();
  });

  it('starts over after a skipped seq, so it never answers across a gap', () => {
    const r = filled(10, 1, 3);
    r.push(msg(7));
    expect(r.pageAfter(3, 10)).toBeNull();
    expect(r.pageAfter(6, 10)).toEqual({ messages: [msg(7)], has_more: false });
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new RecentMessages(0)).toThrow(/capacity/);
  });
});
