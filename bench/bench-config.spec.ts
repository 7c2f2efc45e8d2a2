import { parseArgs } from './bench-config';

describe('parseArgs', () => {
  it('starts from the mode preset', () => {
    expect(parseArgs([]).fanout.shape).toEqual({ connections: 2_000, members: 2_000 });
    const full = parseArgs(['--mode', 'full']);
    expect(full.fanout.shape).toEqual({ connections: 15_000, members: 10_000 });
    expect(full.targets).toEqual(['parley', 'parley-mesh', 'bare-uws', 'socketio']);
    const scale = parseArgs(['--mode', 'scale']);
    expect(scale.fanout.shape).toEqual({ connections: 100_000, members: 100_000 });
    expect(scale.processes).toBe(6);
    // Six load-generator workers at least, each under the open-file limit.
    expect(scale.fanout.cheapWorkers).toBeGreaterThanOrEqual(6);
    expect(scale.targets).not.toContain('parley');
  });

  it('applies overrides', () => {
    const c = parseArgs(['--targets', 'bare-uws,parley', '--rounds', '5', '--connections', '500', '--members', '100', '--scenarios', 'fanout']);
    expect(c.targets).toEqual(['bare-uws', 'parley']);
    expect(c.rounds).toBe(5);
    expect(c.fanout.shape).toEqual({ connections: 500, members: 100 });
    expect(c.scenarios).toEqual(['fanout']);
  });

  it('rejects what it cannot run', () => {
    expect(() => parseArgs(['--mode', 'huge'])).toThrow(/--mode/);
    expect(() => parseArgs(['--targets', 'nginx'])).toThrow(/unknown "nginx"/);
    expect(() => parseArgs(['--rounds', '0'])).toThrow(/--rounds 0/);
    expect(parseArgs(['--rounds', '0', '--profile']).rounds).toBe(0);
    expect(() => parseArgs(['--connections', '100', '--members', '200'])).toThrow(/exceed/);
    expect(() => parseArgs(['--connections', '40000', '--workers', '2'])).toThrow(/open-file limit/);
    expect(() => parseArgs(['--bogus'])).toThrow(/unknown argument/);
    // 100,000 sockets cannot sit in one standalone process, nor in too few peer processes.
    expect(() => parseArgs(['--mode', 'scale', '--targets', 'parley'])).toThrow(/socket-holding processes/);
    expect(() => parseArgs(['--mode', 'scale', '--processes', '2'])).toThrow(/socket-holding processes/);
    expect(() => parseArgs(['--processes', '9'])).toThrow(/--processes/);
    expect(() => parseArgs(['--storm-missed', '500'])).toThrow(/--storm-missed/);
  });
});
