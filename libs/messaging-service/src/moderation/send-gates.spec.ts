import { SendGate } from '@parley/domain';
import { SendGates } from './send-gates';
import { decodeIdCursor, decodeUserCursor, encodeUserCursor } from './moderation-cursor';

describe('SendGates (the sequencer clock of slow mode, issue 13.4)', () => {
  let now = 1_000_000;
  const gates = new SendGates(() => now);
  const slow: SendGate = { rank: 'member', muted_until: null, slow_mode_seconds: 10, announcement: false };

  it('admits the first message, refuses the next within N seconds with retry_after, and admits again after', () => {
    const pending = new Map<string, number>();
    expect(gates.admit('c', 'u', slow, pending)).toBeNull();
    now += 4000;
    expect(gates.admit('c', 'u', slow, pending)).toMatchObject({ code: 'SLOW_MODE', retry_after: 6 });
    expect(gates.admit('c', 'other', slow, pending)).toBeNull();
    expect(gates.admit('c2', 'u', slow, pending)).toBeNull();
    gates.commit(pending);
    now += 6000;
    expect(gates.admit('c', 'u', slow, new Map())).toBeNull();
  });

  it('a batch that is not committed (it failed and runs again) leaves the clock as it was', () => {
    now += 60_000;
    expect(gates.admit('c3', 'u', slow, new Map())).toBeNull();
    expect(gates.admit('c3', 'u', slow, new Map())).toBeNull();
  });

  it('without slow mode nothing is remembered', () => {
    const pending = new Map<string, number>();
    expect(gates.admit('c4', 'u', { ...slow, slow_mode_seconds: 0 }, pending)).toBeNull();
    expect(pending.size).toBe(0);
  });
});

describe('moderation cursors', () => {
  it('take back only what the server wrote', () => {
    expect(decodeIdCursor(null)).toBeNull();
    expect(decodeIdCursor('42')).toBe('42');
    for (const bad of ['0', '-1', '1e3', 'abc', '99999999999999999999']) expect(() => decodeIdCursor(bad)).toThrow('invalid cursor');
    expect(decodeUserCursor(encodeUserCursor('user-✓'))).toBe('user-✓');
    for (const bad of ['', '!!', 'a'.repeat(500), 'AA']) expect(() => decodeUserCursor(bad)).toThrow('invalid cursor');
  });
});
