import { RevokedSessions } from './revoked-sessions';

function clock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('RevokedSessions', () => {
  it('knows a revoked session until its tokens can no longer verify', () => {
    const c = clock();
    const revoked = new RevokedSessions(60_000, 100, c.now);
    revoked.add('s1');
    expect(revoked.has('s1')).toBe(true);
    c.advance(60_000);
    expect(revoked.has('s1')).toBe(true);
    c.advance(1);
    expect(revoked.has('s1')).toBe(false);
  });

  it('does not know sessions that were never revoked', () => {
    const revoked = new RevokedSessions(60_000);
    revoked.add('s1');
    expect(revoked.has('s2')).toBe(false);
  });

  it('restarts the window when a session is revoked again', () => {
    const c = clock();
    const revoked = new RevokedSessions(60_000, 100, c.now);
    revoked.add('s1');
    c.advance(50_000);
    revoked.add('s1');
    c.advance(50_000);
    expect(revoked.has('s1')).toBe(true);
  });

  it('stays bounded: past max it forgets the oldest revocation first', () => {
    const c = clock();
    const revoked = new RevokedSessions(60_000, 2, c.now);
    revoked.add('s1');
    revoked.add('s2');
    revoked.add('s3');
    expect(revoked.has('s1')).toBe(false);
    expect(revoked.has('s2')).toBe(true);
    expect(revoked.has('s3')).toBe(true);
  });

  // BUG (revoked-sessions.ts, add()): at capacity, revoking a session that is already held evicts
  // the oldest entry although the map does not grow, so a revoked session is forgotten before its
  // tokens expire (session.revoked may be delivered more than once: fanout is at-least-once).
  it('BUG: revoking a session it already holds at capacity forgets no other session', () => {
    const revoked = new RevokedSessions(60_000, 2);
    revoked.add('s1');
    revoked.add('s2');
    revoked.add('s2');
    expect(revoked.has('s1')).toBe(true);
    expect(revoked.has('s2')).toBe(true);
  });
});
