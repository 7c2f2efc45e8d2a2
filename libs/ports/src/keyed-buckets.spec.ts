import { KeyedBuckets } from './keyed-buckets';

describe('KeyedBuckets', () => {
  it('allows a burst, then the rate, per key', () => {
    let t = 0;
    const b = new KeyedBuckets(2, 3, 10, () => t);
    expect([b.take('a'), b.take('a'), b.take('a'), b.take('a')]).toEqual([true, true, true, false]);
    expect(b.take('b')).toBe(true);
    expect(b.retryAfterSec('a')).toBe(1);
    t += 500;
    expect(b.take('a')).toBe(true);
    expect(b.take('a')).toBe(false);
  });

  it('never holds more than maxKeys buckets', () => {
    const b = new KeyedBuckets(1, 1, 3);
    for (const k of ['a', 'b', 'c', 'd', 'e']) b.take(k);
    expect(b.size).toBe(3);
  });
});
