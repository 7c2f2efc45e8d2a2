import { MemberCounts } from './member-counts';

describe('MemberCounts', () => {
  it('asks once for a burst, and again after a failure', async () => {
    let calls = 0;
    let fail = false;
    const counts = new MemberCounts(async () => {
      calls++;
      if (fail) throw new Error('down');
      return 7;
    });
    expect(await Promise.all([counts.of('c'), counts.of('c'), counts.of('c')])).toEqual([7, 7, 7]);
    expect(calls).toBe(1);
    fail = true;
    await expect(counts.of('d')).rejects.toThrow('down');
    fail = false;
    await expect(counts.of('d')).resolves.toBe(7);
    expect(calls).toBe(3);
  });
});
