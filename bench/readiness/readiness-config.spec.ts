import { applyReadinessFlag, checkReadiness, readinessDefaults } from './readiness-config';

describe('readiness scenario flags', () => {
  it('defaults to seed 001 readiness bar', () => {
    const c = readinessDefaults();
    expect([c.users, c.ratePerSecond, c.durationMs, c.directs, c.groups, c.groupMin, c.groupMax, c.bigGroup, c.bigRatePerSecond, c.slowFraction]).toEqual([
      10_000, 1_500, 300_000, 1_000, 200, 5, 50, 10_000, 1, 0.2,
    ]);
    expect(() => checkReadiness(c, 1)).not.toThrow();
  });

  it('applies its flags, bounded, and leaves others alone', () => {
    const c = readinessDefaults();
    expect(applyReadinessFlag(c, '--ready-connections', '1000')).toBe(true);
    expect(applyReadinessFlag(c, '--ready-rate', '150')).toBe(true);
    expect(applyReadinessFlag(c, '--ready-duration-s', '60')).toBe(true);
    expect(applyReadinessFlag(c, '--ready-slow-fraction', '0.25')).toBe(true);
    expect([c.users, c.ratePerSecond, c.durationMs, c.slowFraction]).toEqual([1000, 150, 60_000, 0.25]);
    expect(applyReadinessFlag(c, '--connections', '5')).toBe(false);
    expect(() => applyReadinessFlag(c, '--ready-duration-s', '601')).toThrow('--ready-duration-s');
    expect(() => applyReadinessFlag(c, '--ready-slow-fraction', 'x')).toThrow('--ready-slow-fraction');
    expect(() => applyReadinessFlag(c, '--ready-workers', undefined)).toThrow('--ready-workers');
  });

  it('refuses shapes over the open-file limit or a big group larger than the clients', () => {
    const c = readinessDefaults();
    c.users = 40_000;
    c.workers = 2;
    c.bigGroup = 0;
    expect(() => checkReadiness(c, 4)).toThrow('--ready-workers');
    c.workers = 4;
    c.users = 20_000;
    expect(() => checkReadiness(c, 1)).toThrow('gateways');
    c.users = 1000;
    c.bigGroup = 2000;
    expect(() => checkReadiness(c, 1)).toThrow('--ready-big-group');
    c.bigGroup = 0;
    c.durationMs = 600_000;
    expect(() => checkReadiness(c, 1)).toThrow('11 minutes');
  });
});

describe('readiness scenario on the bench command line', () => {
  it('runs alone, takes its flags, and is never in a mode default', async () => {
    const { parseArgs } = await import('../bench-config');
    expect(parseArgs([]).scenarios).not.toContain('readiness');
    expect(parseArgs(['--mode', 'full']).scenarios).not.toContain('readiness');
    const c = parseArgs(['--scenarios', 'readiness', '--ready-connections', '1000', '--ready-big-group', '1000', '--ready-rate', '150']);
    expect([c.readiness.users, c.readiness.bigGroup, c.readiness.ratePerSecond]).toEqual([1000, 1000, 150]);
    expect(() => parseArgs(['--scenarios', 'readiness,fanout'])).toThrow('alone');
    expect(() => parseArgs(['--scenarios', 'readiness', '--ready-connections', '1000'])).toThrow('--ready-big-group');
    expect(() => parseArgs(['--ready-nonsense', '1'])).toThrow('unknown argument');
  });
});
