import { Message } from '@parley/domain';
import { rowBatches } from './cassandra-row-batches';

const message = (seq: number, text = 'hi'): Message => ({
  id: `m${seq}`,
  conversation_id: 'c',
  seq,
  sender_id: 'u',
  client_msg_id: `c${seq}`,
  body: { text },
  created_at: '2025-01-01T00:00:00.000Z',
});

describe('rowBatches', () => {
  it('keeps seq order and cuts where the bucket (the partition) changes', () => {
    const batches = rowBatches([1, 2, 3, 4, 5, 6, 7].map((s) => message(s)), 3);
    expect(batches.map((b) => b.map((m) => m.seq))).toEqual([[1, 2], [3, 4, 5], [6, 7]]);
  });

  it('cuts a partition run before a batch grows past its byte bound', () => {
    const big = 'x'.repeat(10_000);
    const batches = rowBatches([1, 2, 3, 4, 5].map((s) => message(s, big)), 100_000);
    expect(batches.map((b) => b.map((m) => m.seq))).toEqual([[1, 2], [3, 4], [5]]);
    expect(rowBatches([], 10)).toEqual([]);
  });
});
