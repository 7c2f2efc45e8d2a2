import { CallBatcher } from './call-batcher';

describe('CallBatcher', () => {
  it('sends the items of one window together, in order, and answers each its own result', async () => {
    const batches: number[][] = [];
    const b = new CallBatcher<number, number>(async (items) => (batches.push(items), items.map((x) => x * 10)), { windowMs: 5 });
    const answers = await Promise.all([b.add(1), b.add(2), b.add(3)]);
    expect(answers).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('sends at once when a batch is full, without waiting for the window', async () => {
    const batches: number[][] = [];
    const b = new CallBatcher<number, void>(async (items) => (batches.push(items), items.map(() => undefined)), { windowMs: 10_000, maxItems: 2 });
    await Promise.all([b.add(1), b.add(2)]);
    expect(batches).toEqual([[1, 2]]);
    expect(b.pending).toBe(0);
  });

  it('fails every item of a batch whose flush fails, and of one answered with the wrong count', async () => {
    const failing = new CallBatcher<number, void>(() => Promise.reject(new Error('down')), { windowMs: 1 });
    await expect(Promise.all([failing.add(1), failing.add(2)])).rejects.toThrow('down');
    const short = new CallBatcher<number, number>(async () => [1], { windowMs: 1 });
    const settled = await Promise.allSettled([short.add(1), short.add(2)]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
  });

  it('a flush that throws synchronously fails its batch too, and the next batch still goes', async () => {
    let calls = 0;
    const b = new CallBatcher<number, number>(
      (items) => {
        if (calls++ === 0) throw new Error('sync');
        return Promise.resolve(items);
      },
      { windowMs: 1 },
    );
    await expect(b.add(1)).rejects.toThrow('sync');
    await expect(b.add(2)).resolves.toBe(2);
  });
});
