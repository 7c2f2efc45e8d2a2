import { drainPlan, drainSockets, type DrainTarget } from './drain';

interface FakeSocket {
  id: number;
  open: boolean;
  pending: number;
  closedAt?: number;
}

const target: DrainTarget<FakeSocket> = {
  isOpen: (s) => s.open,
  pendingAcks: (s) => s.pending,
  close: (s) => {
    s.open = false;
    s.closedAt = Date.now();
  },
};

const sockets = (n: number, pending = 0): FakeSocket[] => Array.from({ length: n }, (_, id) => ({ id, open: true, pending }));

describe('gateway drain', () => {
  test('the plan keeps a flush bound of 250 ms to 2 s and spreads closes over the rest of the window', () => {
    expect(drainPlan(0)).toEqual({ flushMs: 250, spreadMs: 0 });
    expect(drainPlan(5000)).toEqual({ flushMs: 1000, spreadMs: 4000 });
    expect(drainPlan(30_000)).toEqual({ flushMs: 2000, spreadMs: 28_000 });
  });

  test('closes every socket, spread over the window rather than all at once', async () => {
    const all = sockets(40);
    const start = Date.now();
    const result = await drainSockets(all, 1000, target);
    expect(result).toEqual({ closed: 40, closedWithPendingAcks: 0 });
    const times = all.map((s) => (s.closedAt ?? 0) - start).sort((a, b) => a - b);
    // Spread over 750 ms (1000 - 250 flush bound): the first early, the last late, the middle in between.
    expect(times[0]).toBeLessThan(400);
    expect(times[39]).toBeGreaterThan(550);
    expect(times[20]).toBeGreaterThan(250);
    expect(Date.now() - start).toBeLessThan(3000);
  });

  test('a window of 0 closes everything at once', async () => {
    const all = sockets(10);
    const start = Date.now();
    await drainSockets(all, 0, target);
    expect(all.every((s) => !s.open)).toBe(true);
    expect(Date.now() - start).toBeLessThan(1000);
  });

  test('waits for pending acks before closing a socket, up to the flush bound', async () => {
    const [answered, stuck] = sockets(2, 1);
    setTimeout(() => (answered.pending = 0), 100);
    const start = Date.now();
    const result = await drainSockets([answered, stuck], 0, target);
    expect((answered.closedAt ?? 0) - start).toBeGreaterThanOrEqual(90);
    // The answered socket closes when its ack is answered, the stuck one only at the 250 ms bound.
    expect(answered.closedAt ?? 0).toBeLessThan(stuck.closedAt ?? 0);
    expect((stuck.closedAt ?? 0) - start).toBeGreaterThanOrEqual(240);
    expect(result).toEqual({ closed: 2, closedWithPendingAcks: 1 });
  });

  test('leaves alone a socket that closed by itself meanwhile', async () => {
    const [gone, open] = sockets(2, 1);
    setTimeout(() => (gone.open = false), 50);
    setTimeout(() => (open.pending = 0), 50);
    const result = await drainSockets([gone, open], 0, target);
    expect(gone.closedAt).toBeUndefined();
    expect(result.closed).toBe(1);
  });
});
