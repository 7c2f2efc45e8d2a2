import { CallBatcher } from './call-batcher';

/** A flush whose calls the test answers by hand: `calls[i]` is the i-th call's items. */
function manualFlush() {
  const calls: number[][] = [];
  const answers: Array<(outs: number[]) => void> = [];
  const flush = (items: number[]) => {
    calls.push(items);
    return new Promise<number[]>((resolve) => answers.push(resolve));
  };
  const answer = (i: number) => answers[i](calls[i].map((x) => x * 10));
  return { calls, flush, answer };
}

const turn = () => new Promise<void>((r) => setImmediate(r));

describe('CallBatcher', () => {
  it('sends the items of one event-loop turn together, in order, and answers each its own result', async () => {
    const batches: number[][] = [];
    const b = new CallBatcher<number, number>(async (items) => (batches.push(items), items.map((x) => x * 10)));
    const answers = await Promise.all([b.add(1), b.add(2), b.add(3)]);
    expect(answers).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('sends an item at once when no call is out: a trickle waits for nothing', async () => {
    const m = manualFlush();
    const b = new CallBatcher<number, number>(m.flush);
    const first = b.add(1);
    await turn();
    expect(m.calls).toEqual([[1]]);
    m.answer(0);
    await expect(first).resolves.toBe(10);
    const second = b.add(2);
    await turn();
    expect(m.calls).toEqual([[1], [2]]);
    m.answer(1);
    await expect(second).resolves.toBe(20);
  });

  it('gathers what arrives while the call is out and sends it together the moment it returns', async () => {
    const m = manualFlush();
    const b = new CallBatcher<number, number>(m.flush);
    const all = [b.add(1)];
    await turn();
    for (let i = 2; i <= 5; i++) {
      all.push(b.add(i));
      await turn();
    }
    expect(m.calls).toEqual([[1]]);
    expect(b.pending).toBe(4);
    expect(b.calls).toBe(1);
    m.answer(0);
    await all[0];
    await turn();
    expect(m.calls).toEqual([[1], [2, 3, 4, 5]]);
    m.answer(1);
    expect(await Promise.all(all)).toEqual([10, 20, 30, 40, 50]);
    expect(b.calls).toBe(0);
  });

  it('keeps at most maxInFlight calls out and at most maxItems in a call', async () => {
    const m = manualFlush();
    const b = new CallBatcher<number, number>(m.flush, { maxInFlight: 2, maxItems: 2 });
    const all = [1, 2, 3, 4, 5, 6, 7].map((x) => b.add(x));
    await turn();
    expect(m.calls).toEqual([[1, 2], [3, 4]]);
    expect(b.pending).toBe(3);
    m.answer(1);
    await all[3];
    await turn();
    expect(m.calls).toEqual([[1, 2], [3, 4], [5, 6]]);
    m.answer(0);
    await all[0];
    await turn();
    expect(m.calls).toEqual([[1, 2], [3, 4], [5, 6], [7]]);
    m.answer(2);
    m.answer(3);
    expect(await Promise.all(all)).toEqual([10, 20, 30, 40, 50, 60, 70]);
  });

  it('fails every item of a batch whose flush fails, and of one answered with the wrong count', async () => {
    const failing = new CallBatcher<number, void>(() => Promise.reject(new Error('down')));
    await expect(Promise.all([failing.add(1), failing.add(2)])).rejects.toThrow('down');
    const short = new CallBatcher<number, number>(async () => [1]);
    const settled = await Promise.allSettled([short.add(1), short.add(2)]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
  });

  it('a flush that throws synchronously fails its batch too, and the next batch still goes', async () => {
    let calls = 0;
    const b = new CallBatcher<number, number>((items) => {
      if (calls++ === 0) throw new Error('sync');
      return Promise.resolve(items);
    });
    await expect(b.add(1)).rejects.toThrow('sync');
    await expect(b.add(2)).resolves.toBe(2);
  });

  it('refuses nonsense options', () => {
    const flush = async (items: number[]) => items;
    expect(() => new CallBatcher(flush, { maxInFlight: 0 })).toThrow(RangeError);
    expect(() => new CallBatcher(flush, { maxItems: 1.5 })).toThrow(RangeError);
  });
});
