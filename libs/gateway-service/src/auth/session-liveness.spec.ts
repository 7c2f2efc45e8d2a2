import { DomainError } from '@parley/domain';
import { SessionLiveness } from './session-liveness';

function clock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

/** A lookup the test answers by hand, counting calls. */
function lookup(answers: Record<string, boolean>) {
  const calls: string[] = [];
  const fn = (sid: string) => {
    calls.push(sid);
    return Promise.resolve(answers[sid] ?? false);
  };
  return { fn, calls };
}

describe('SessionLiveness', () => {
  it('asks once for a live session, then answers from memory until the token expires', async () => {
    const c = clock();
    const l = lookup({ s1: true });
    const sessions = new SessionLiveness({ lookup: l.fn, now: c.now });
    const exp = c.now() / 1000 + 60;
    expect(sessions.known('s1')).toBeUndefined();
    await expect(sessions.isAlive('s1', exp)).resolves.toBe(true);
    await expect(sessions.isAlive('s1', exp)).resolves.toBe(true);
    expect(sessions.known('s1')).toBe(true);
    expect(l.calls).toEqual(['s1']);
    c.advance(60_001);
    expect(sessions.known('s1')).toBeUndefined();
  });

  it('refuses an unknown session and remembers it, so a forged sid costs one lookup', async () => {
    const l = lookup({});
    const sessions = new SessionLiveness({ lookup: l.fn });
    await expect(sessions.isAlive('nope', Date.now() / 1000 + 60)).resolves.toBe(false);
    await expect(sessions.isAlive('nope', Date.now() / 1000 + 60)).resolves.toBe(false);
    expect(sessions.known('nope')).toBe(false);
    expect(l.calls).toEqual(['nope']);
  });

  it('applies a revocation at once, over a cached yes', async () => {
    const sessions = new SessionLiveness({ lookup: lookup({ s1: true }).fn });
    await sessions.isAlive('s1', Date.now() / 1000 + 600);
    sessions.revoke('s1');
    expect(sessions.known('s1')).toBe(false);
    await expect(sessions.isAlive('s1', Date.now() / 1000 + 600)).resolves.toBe(false);
  });

  it('lets a revocation that arrives during the lookup win over its answer', async () => {
    let answer: (v: boolean) => void = () => undefined;
    const sessions = new SessionLiveness({ lookup: () => new Promise<boolean>((r) => (answer = r)) });
    const pending = sessions.isAlive('s1', Date.now() / 1000 + 600);
    sessions.revoke('s1');
    answer(true);
    await expect(pending).resolves.toBe(false);
    expect(sessions.known('s1')).toBe(false);
  });

  it('shares one lookup between concurrent checks of the same session', async () => {
    const l = lookup({ s1: true });
    const sessions = new SessionLiveness({ lookup: l.fn });
    const exp = Date.now() / 1000 + 60;
    await expect(Promise.all([sessions.isAlive('s1', exp), sessions.isAlive('s1', exp), sessions.isAlive('s1', exp)])).resolves.toEqual([true, true, true]);
    expect(l.calls).toHaveLength(1);
  });

  it('answers UNAVAILABLE when the auth service cannot be asked, and asks again next time', async () => {
    let down = true;
    const sessions = new SessionLiveness({ lookup: () => (down ? Promise.reject(new Error('connect ECONNREFUSED')) : Promise.resolve(true)) });
    const err = await sessions.isAlive('s1', Date.now() / 1000 + 60).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('UNAVAILABLE');
    down = false;
    await expect(sessions.isAlive('s1', Date.now() / 1000 + 60)).resolves.toBe(true);
  });

  it('stays bounded: past the cap the oldest entries are forgotten (and asked about again)', async () => {
    const l = lookup({ a: true, b: true, c: true });
    const sessions = new SessionLiveness({ lookup: l.fn, maxEntries: 2 });
    const exp = Date.now() / 1000 + 60;
    for (const sid of ['a', 'b', 'c']) await sessions.isAlive(sid, exp);
    expect(sessions.known('a')).toBeUndefined();
    expect(sessions.known('b')).toBe(true);
    expect(sessions.known('c')).toBe(true);
  });
});
