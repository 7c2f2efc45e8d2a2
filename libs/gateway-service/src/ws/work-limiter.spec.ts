import { WorkLimiter } from './work-limiter';

const deferred = () => {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('WorkLimiter', () => {
  it('runs at most maxInFlight at once and the rest in arrival order', async () => {
    const limiter = new WorkLimiter(2, 10);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((g, i) => limiter.run(async () => {
      started.push(i);
      await g.promise;
      return i;
    }));
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1]);
    expect(limiter.queued).toBe(2);
    gates[1].resolve();
    await runs[1];
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    gates[0].resolve();
    gates[2].resolve();
    gates[3].resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(limiter.inFlight).toBe(0);
  });

  it('refuses with UNAVAILABLE past the queue bound, and frees the slot of a failed job', async () => {
    const limiter = new WorkLimiter(1, 1);
    const gate = deferred();
    const first = limiter.run(() => gate.promise);
    const second = limiter.run(async () => 'second');
    await expect(limiter.run(async () => 'third')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    gate.resolve();
    await first;
    expect(await second).toBe('second');
    await expect(limiter.run(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(limiter.inFlight).toBe(0);
    expect(await limiter.run(async () => 'after')).toBe('after');
  });
});
