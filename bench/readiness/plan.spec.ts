import { buildPlan, membershipsOf, ReadinessShape, slowReaders } from './plan';

const shape = (over: Partial<ReadinessShape> = {}): ReadinessShape => ({
  users: 1000,
  directs: 1000,
  groups: 200,
  groupMin: 5,
  groupMax: 50,
  bigGroup: 1000,
  ratePerSecond: 150,
  bigRatePerSecond: 1,
  slowFraction: 0.2,
  seed: 1,
  ...over,
});

describe('readiness workload plan', () => {
  it('has the asked conversations, distinct direct pairs, group sizes in range, one big group', () => {
    const p = buildPlan(shape());
    const directs = p.conversations.filter((c) => c.kind === 'direct');
    const groups = p.conversations.filter((c) => c.kind === 'group');
    const big = p.conversations.filter((c) => c.kind === 'big');
    expect(directs).toHaveLength(1000);
    expect(new Set(directs.map((c) => c.key)).size).toBe(1000);
    for (const d of directs) expect(new Set(d.members).size).toBe(2);
    expect(groups).toHaveLength(200);
    for (const g of groups) {
      expect(g.members.length).toBeGreaterThanOrEqual(5);
      expect(g.members.length).toBeLessThanOrEqual(50);
      expect(new Set(g.members).size).toBe(g.members.length);
    }
    expect(new Set(groups.map((g) => g.members.length)).size).toBeGreaterThan(10);
    expect(big).toHaveLength(1);
    expect(big[0].members).toHaveLength(1000);
    expect(big[0].ratePerSecond).toBe(1);
  });

  it('splits the rate evenly over directs and groups, and every sender is a fast member', () => {
    const p = buildPlan(shape());
    const shared = p.conversations.filter((c) => c.kind !== 'big');
    const total = shared.reduce((a, c) => a + c.ratePerSecond, 0);
    expect(total).toBeCloseTo(150, 6);
    for (const c of p.conversations) {
      expect(c.members[0]).toBe(c.sender);
      expect(p.slow[c.sender]).toBe(false);
    }
  });

  it('makes the asked share of users slow, spread evenly, user 0 fast', () => {
    const slow = slowReaders(1000, 0.2);
    expect(slow.filter(Boolean)).toHaveLength(200);
    expect(slow[0]).toBe(false);
    expect(slow.slice(0, 10).filter(Boolean)).toHaveLength(2);
    expect(slowReaders(10, 0).some(Boolean)).toBe(false);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    expect(buildPlan(shape())).toEqual(buildPlan(shape()));
    expect(buildPlan(shape({ seed: 2 })).conversations[0].key).not.toBe(buildPlan(shape()).conversations[0].key);
  });

  it('lists each user\'s conversations', () => {
    const p = buildPlan(shape({ users: 10, directs: 3, groups: 1, groupMin: 3, groupMax: 3, bigGroup: 10 }));
    const m = membershipsOf(p);
    const total = m.reduce((a, l) => a + l.length, 0);
    expect(total).toBe(3 * 2 + 3 + 10);
    for (const list of m) expect(list).toContain(p.conversations.length - 1);
  });

  it('refuses shapes it cannot plan', () => {
    expect(() => buildPlan(shape({ users: 1 }))).toThrow('users');
    expect(() => buildPlan(shape({ bigGroup: 2000 }))).toThrow('bigGroup');
    expect(() => buildPlan(shape({ groupMin: 60 }))).toThrow('groupMax');
    expect(() => buildPlan(shape({ users: 4, directs: 100, groups: 0, groupMin: 2, groupMax: 2, bigGroup: 0 }))).toThrow('directs');
    expect(() => buildPlan(shape({ slowFraction: 1 }))).toThrow('slowFraction');
  });
});
