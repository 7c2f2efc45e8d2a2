import { NewRecord } from './embedded-event-log.tables';
import { PartitionTail } from './embedded-event-log.tail';

const rec = (n: number, text = ''): NewRecord => ({ key: 'k', valueJson: JSON.stringify({ n, text }), headers: { h: String(n) }, timestamp: 1000 + n });
const values = (records: { value: unknown }[] | null) => records?.map((r) => (r.value as { n: number }).n) ?? null;

describe('PartitionTail', () => {
  it('cannot answer before its first append: the consumer queries', () => {
    expect(new PartitionTail({ records: 10, bytes: 1 << 20 }).read('t', 0, -1n, 10)).toBeNull();
  });

  it('serves the records after an offset, in order, bounded by the limit, as fresh copies', () => {
    const tail = new PartitionTail({ records: 10, bytes: 1 << 20 });
    tail.push(5n, [rec(5), rec(6)]);
    tail.push(7n, [rec(7)]);
    const read = tail.read('t', 3, 5n, 10);
    expect(read).toEqual([
      { topic: 't', partition: 3, offset: '6', key: 'k', value: { n: 6, text: '' }, headers: { h: '6' }, timestamp: 1006 },
      { topic: 't', partition: 3, offset: '7', key: 'k', value: { n: 7, text: '' }, headers: { h: '7' }, timestamp: 1007 },
    ]);
    expect(values(tail.read('t', 3, 4n, 2))).toEqual([5, 6]);
    // A caught-up consumer gets nothing, without a query.
    expect(tail.read('t', 3, 7n, 10)).toEqual([]);
    // Records older than the tail's first: query.
    expect(tail.read('t', 3, 3n, 10)).toBeNull();
    // Each read is its own copy: a consumer changing its records changes nobody else's.
    (read?.[0].value as { n: number }).n = 99;
    (read?.[0].headers as Record<string, string>).h = 'changed';
    expect(tail.read('t', 3, 5n, 1)?.[0]).toMatchObject({ value: { n: 6 }, headers: { h: '6' } });
  });

  it('evicts the oldest records past its record bound, and then sends older positions to the query', () => {
    const tail = new PartitionTail({ records: 3, bytes: 1 << 20 });
    for (let n = 0; n < 2000; n++) tail.push(BigInt(n), [rec(n)]);
    expect(tail.size).toBe(3);
    expect(values(tail.read('t', 0, 1996n, 10))).toEqual([1997, 1998, 1999]);
    expect(tail.read('t', 0, 1995n, 10)).toBeNull();
  });

  it('evicts past its byte bound, down to nothing for a record larger than the bound', () => {
    const tail = new PartitionTail({ records: 100, bytes: 500 });
    tail.push(0n, [rec(0, 'x'.repeat(100)), rec(1, 'x'.repeat(100)), rec(2, 'x'.repeat(100))]);
    expect(tail.size).toBeLessThan(3);
    expect(values(tail.read('t', 0, 1n, 10))).toEqual([2]);
    tail.push(3n, [rec(3, 'y'.repeat(1000))]);
    expect(tail.size).toBe(0);
    // Still knows the head: a consumer past it has nothing new, one before it queries.
    expect(tail.read('t', 0, 3n, 10)).toEqual([]);
    expect(tail.read('t', 0, 2n, 10)).toBeNull();
  });

  it('starts over when an append does not follow its head (an offset it never saw)', () => {
    const tail = new PartitionTail({ records: 10, bytes: 1 << 20 });
    tail.push(0n, [rec(0), rec(1)]);
    tail.push(5n, [rec(5)]);
    expect(tail.read('t', 0, 1n, 10)).toBeNull();
    expect(values(tail.read('t', 0, 4n, 10))).toEqual([5]);
  });

  it('vouches for the empty range after an anchored head, until appends take over', () => {
    const tail = new PartitionTail({ records: 10, bytes: 1 << 20 });
    tail.anchor(4n);
    expect(tail.read('t', 0, 3n, 10)).toEqual([]);
    expect(tail.read('t', 0, 2n, 10)).toBeNull();
    tail.push(4n, [rec(4)]);
    expect(values(tail.read('t', 0, 3n, 10))).toEqual([4]);
    tail.anchor(9n); // ignored: the appends keep the head now
    expect(values(tail.read('t', 0, 3n, 10))).toEqual([4]);
  });

  it('keeps nothing when switched off', () => {
    const tail = new PartitionTail({ records: 0, bytes: 1 << 20 });
    tail.push(0n, [rec(0)]);
    expect(tail.read('t', 0, -1n, 10)).toBeNull();
  });
});
