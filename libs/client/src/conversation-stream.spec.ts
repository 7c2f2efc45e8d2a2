import { MessageDto } from '@parley/protocol';
import { ConversationStream } from './conversation-stream';

const m = (seq: number): MessageDto => ({
  id: `m${seq}`,
  conversation_id: 'c',
  seq,
  sender_id: 'u',
  client_msg_id: `k${seq}`,
  body: { text: 't' },
  created_at: 't',
});
const seqs = (ms: MessageDto[]) => ms.map((x) => x.seq);

describe('ConversationStream', () => {
  it('delivers in order once a gap is filled, and drops duplicates', () => {
    const s = new ConversationStream('c', 0, 10);
    expect(seqs(s.accept(m(1)))).toEqual([1]);
    expect(seqs(s.accept(m(3)))).toEqual([]);
    expect(s.hasGap).toBe(true);
    expect(seqs(s.accept(m(3)))).toEqual([]);
    expect(seqs(s.accept(m(2)))).toEqual([2, 3]);
    expect(s.hasGap).toBe(false);
    expect(seqs(s.accept(m(2)))).toEqual([]);
  });

  it('bounds its buffer but remembers the highest seq seen', () => {
    const s = new ConversationStream('c', 0, 2);
    for (const seq of [3, 4, 5, 6]) s.accept(m(seq));
    expect(s.bufferedCount).toBe(2);
    expect(s.highestSeen).toBe(6);
    expect(seqs(s.accept(m(1)))).toEqual([1]);
    expect(seqs(s.accept(m(2)))).toEqual([2, 3, 4]);
    expect(s.hasGap).toBe(true);
  });

  it('skips forward to what the app already has', () => {
    const s = new ConversationStream('c', 0, 10);
    s.accept(m(5));
    s.accept(m(6));
    expect(seqs(s.skipTo(4))).toEqual([5, 6]);
    expect(s.lastSeq).toBe(6);
    expect(seqs(s.skipTo(2))).toEqual([]);
  });
});
