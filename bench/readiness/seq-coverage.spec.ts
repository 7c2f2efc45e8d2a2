import { SeqCoverage } from './seq-coverage';

describe('SeqCoverage (the readiness gap check)', () => {
  it('is complete for seqs received in order above the base', () => {
    const c = new SeqCoverage(10);
    for (let s = 11; s <= 20; s++) c.add(s);
    expect(c.contiguousEnd()).toBe(20);
    expect(c.complete(20)).toBe(true);
    expect(c.complete(21)).toBe(false);
    expect(c.gaps(22)).toEqual([[21, 22]]);
    expect(c.count()).toBe(10);
  });

  it('ignores seqs at or below the base and repeats', () => {
    const c = new SeqCoverage(5);
    c.add(3);
    c.add(5);
    c.add(6);
    c.add(6);
    c.add(7);
    c.add(6);
    expect(c.count()).toBe(2);
    expect(c.contiguousEnd()).toBe(7);
  });

  it('reports a gap left by a drop, and closes it when a sync fills it (live messages first)', () => {
    const c = new SeqCoverage(0);
    for (const s of [1, 2, 3]) c.add(s); // before the drop
    for (const s of [8, 9]) c.add(s); // live on the new connection, before the sync answers
    expect(c.contiguousEnd()).toBe(3);
    expect(c.gaps(9)).toEqual([[4, 7]]);
    for (const s of [4, 5, 6, 7, 8]) c.add(s); // the sync after seq 3
    expect(c.gaps(9)).toEqual([]);
    expect(c.complete(9)).toBe(true);
    expect(c.count()).toBe(9);
  });

  it('merges intervals filled out of order from both sides', () => {
    const c = new SeqCoverage(0);
    for (const s of [10, 2, 6, 4, 8, 1, 3, 5, 9, 7]) c.add(s);
    expect(c.contiguousEnd()).toBe(10);
    expect(c.gaps(10)).toEqual([]);
  });

  it('lists every missing range, bounded', () => {
    const c = new SeqCoverage(0);
    for (const s of [2, 4, 6]) c.add(s);
    expect(c.gaps(7)).toEqual([
      [1, 1],
      [3, 3],
      [5, 5],
      [7, 7],
    ]);
    expect(c.gaps(7, 2)).toEqual([
      [1, 1],
      [3, 3],
    ]);
    expect(new SeqCoverage(4).gaps(4)).toEqual([]);
  });

  it('refuses a bad base', () => {
    expect(() => new SeqCoverage(-1)).toThrow('base seq');
  });
});
