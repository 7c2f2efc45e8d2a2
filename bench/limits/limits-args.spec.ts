import { parseLimitsArgs } from './limits-args';

describe('parseLimitsArgs', () => {
  it('has bounded defaults', () => {
    const a = parseLimitsArgs([]);
    expect(a).toMatchObject({ durationMs: 15_000, window: 64, help: false });
  });

  it('reads every flag', () => {
    const a = parseLimitsArgs(['--duration-s', '5', '--window', '8', '--kafka-records', '20000', '--kafka-rate', '500', '--out', '/tmp/x']);
    expect(a).toEqual({ durationMs: 5000, window: 8, kafkaCeilingRecords: 20_000, kafkaPacedRate: 500, outDir: '/tmp/x', help: false });
  });

  it('refuses values out of bounds and unknown flags', () => {
    expect(() => parseLimitsArgs(['--duration-s', '0'])).toThrow(/--duration-s/);
    expect(() => parseLimitsArgs(['--window', '2.5'])).toThrow(/--window/);
    expect(() => parseLimitsArgs(['--window'])).toThrow(/--window/);
    expect(() => parseLimitsArgs(['--frobnicate'])).toThrow(/unknown argument/);
  });
});
