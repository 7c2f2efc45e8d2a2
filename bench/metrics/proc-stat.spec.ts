import { addCpu, cpuByThread, cpuDelta, cpuSeconds } from './proc-stat';

/** Spins on the main thread until it has used `ms` of CPU (not wall time: the machine may be busy). */
const burnCpu = (ms: number): void => {
  const start = process.cpuUsage();
  let x = 0;
  while (process.cpuUsage(start).user < ms * 1000) for (let i = 0; i < 10_000; i++) x += Math.sqrt(x + i);
  if (x < 0) throw new Error('unreachable');
};

describe('proc-stat', () => {
  it('reads CPU by thread: main and helpers add up to the process, and busy JavaScript lands on main', () => {
    const before = cpuByThread([process.pid]);
    burnCpu(300);
    const after = cpuByThread([process.pid]);
    const delta = cpuDelta(before, after);
    // The spin's 300 ms of user time are the process's (helper threads included): most on the main thread.
    expect(delta.main).toBeGreaterThanOrEqual(0.25);
    // The process's total counts every thread it ever had, ended ones too (a test worker has had
    // some): the live threads read here never add up to more (1e-9: float sums of tick counts).
    expect(after.main + after.helpers).toBeLessThanOrEqual(cpuSeconds(process.pid) + 1e-9);
    expect(after.main).toBeGreaterThan(0);
  });

  it('takes deltas key by key, counting a key missing before from zero, and adds intervals', () => {
    expect(cpuDelta({ a: 1, b: 2 }, { a: 1.5, b: 2, c: 0.25 })).toEqual({ a: 0.5, b: 0, c: 0.25 });
    expect(addCpu({ a: 0.5, b: 1 }, { b: 0.25, c: 2 })).toEqual({ a: 0.5, b: 1.25, c: 2 });
  });
});
