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

  describe('with an adaptive window (maxWindowMs)', () => {
    function clocked(options: { windowMs: number; maxWindowMs: number; targetItems?: number }) {
      let t = 0;
      const b = new CallBatcher<number, number>(async (items) => items, { ...options, now: () => t });
      const arrive = (gapMs: number) => {
        t += gapMs;
        void b.add(0);
      };
      return { b, arrive };
    }

    it('keeps the fixed window for a burst and before it has seen a rate', () => {
      const { b, arrive } = clocked({ windowMs: 2, maxWindowMs: 20 });
      expect(b.nextWindowMs()).toBe(2);
      for (let i = 0; i < 20; i++) arrive(0);
      expect(b.nextWindowMs()).toBe(2);
    });

    it('waits about targetItems arrival intervals under a steady stream, up to maxWindowMs', () => {
      const steady = clocked({ windowMs: 2, maxWindowMs: 20 });
      for (let i = 0; i < 30; i++) steady.arrive(1.5);
      expect(steady.b.nextWindowMs()).toBeCloseTo(12, 0);
      const slower = clocked({ windowMs: 2, maxWindowMs: 20 });
      for (let i = 0; i < 30; i++) slower.arrive(5);
      expect(slower.b.nextWindowMs()).toBe(20);
    });

    it('does not wait longer for a trickle that would not gather two items in maxWindowMs', () => {
      const { b, arrive } = clocked({ windowMs: 2, maxWindowMs: 20 });
      for (let i = 0; i < 30; i++) arrive(50);
      expect(b.nextWindowMs()).toBe(2);
    });

    it('refuses a maxWindowMs below windowMs and a targetItems below 2', () => {
      expect(() => new CallBatcher(async () => [], { windowMs: 5, maxWindowMs: 2 })).toThrow(RangeError);
      expect(() => new CallBatcher(async () => [], { windowMs: 2, maxWindowMs: 20, targetItems: 1 })).toThrow(RangeError);
    });

    it('gathers a steady stream into batches (real timers)', async () => {
      const batches: number[][] = [];
      const b = new CallBatcher<number, number>(async (items) => (batches.push(items), items), { windowMs: 1, maxWindowMs: 40, targetItems: 4 });
      const answers: Array<Promise<number>> = [];
      for (let i = 0; i < 24; i++) {
        answers.push(b.add(i));
        await new Promise((r) => setTimeout(r, 3));
      }
      expect(await Promise.all(answers)).toEqual(Array.from({ length: 24 }, (_, i) => i));
      expect(batches.flat()).toEqual(Array.from({ length: 24 }, (_, i) => i));
      // A fixed 1 ms window would send each of these alone.
      expect(batches.length).toBeLessThan(16);
    });
  });
});
