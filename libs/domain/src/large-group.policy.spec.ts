import { LargeGroupPolicy, TypingSampler, isLargeGroup } from './large-group.policy';

const policy: LargeGroupPolicy = { threshold: 100, typingSampleMs: 1000 };

describe('isLargeGroup', () => {
  it('is true only above the threshold', () => {
    expect(isLargeGroup(100, policy)).toBe(false);
    expect(isLargeGroup(101, policy)).toBe(true);
    expect(isLargeGroup(2, policy)).toBe(false);
  });
});

describe('TypingSampler', () => {
  it('lets every typing frame of a small group through', () => {
    const sampler = new TypingSampler(policy);
    expect([0, 1, 2, 3].map((t) => sampler.allow('c1', 100, t))).toEqual([true, true, true, true]);
  });

  it('lets at most one frame per sample window through in a large group', () => {
    const sampler = new TypingSampler(policy);
    expect(sampler.allow('c1', 500, 10_000)).toBe(true);
    expect(sampler.allow('c1', 500, 10_001)).toBe(false);
    expect(sampler.allow('c1', 500, 10_999)).toBe(false);
    expect(sampler.allow('c1', 500, 11_000)).toBe(true);
    expect(sampler.allow('c1', 500, 11_500)).toBe(false);
  });

  it('samples each conversation on its own', () => {
    const sampler = new TypingSampler(policy);
    expect(sampler.allow('c1', 500, 0)).toBe(true);
    expect(sampler.allow('c2', 500, 1)).toBe(true);
    expect(sampler.allow('c1', 500, 2)).toBe(false);
    expect(sampler.allow('c2', 500, 3)).toBe(false);
  });

  it('does not start a window for small-group frames', () => {
    const sampler = new TypingSampler(policy);
    expect(sampler.allow('c1', 10, 0)).toBe(true);
    expect(sampler.allow('c1', 500, 1)).toBe(true);
  });

  it('stays bounded: past maxEntries it starts over rather than grow', () => {
    const sampler = new TypingSampler(policy, 2);
    expect(sampler.allow('a', 500, 0)).toBe(true);
    expect(sampler.allow('b', 500, 0)).toBe(true);
    // A third conversation resets the table: 'a' is no longer remembered and may send again.
    expect(sampler.allow('c', 500, 1)).toBe(true);
    expect(sampler.allow('a', 500, 2)).toBe(true);
    expect(sampler.allow('c', 500, 3)).toBe(false);
  });
});
