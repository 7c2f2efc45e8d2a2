import { AuthThrottle } from './auth-throttle';

function setup(now = { t: 0 }) {
  const throttle = new AuthThrottle({ attemptsPerMinute: 1000, registrationsPerMinute: 3, failuresPerAccount: 5, now: () => now.t });
  return { throttle, now };
}

const code = (fn: () => void) => {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return `${(e as { code: string }).code} ${(e as { retryAfterSec: number }).retryAfterSec}`;
  }
};

describe('AuthThrottle', () => {
  it('limits one-time-code requests per address, with the wait; another address is not affected', () => {
    const now = { t: 0 };
    const throttle = new AuthThrottle({ attemptsPerMinute: 1000, registrationsPerMinute: 3, failuresPerAccount: 5, codeRequestsPerMinute: 2, now: () => now.t });
    expect(code(() => throttle.beforeCodeRequest('1.1.1.1'))).toBe('ok');
    expect(code(() => throttle.beforeCodeRequest('1.1.1.1'))).toBe('ok');
    expect(code(() => throttle.beforeCodeRequest('1.1.1.1'))).toBe('RATE_LIMITED 30');
    expect(code(() => throttle.beforeCodeRequest('2.2.2.2'))).toBe('ok');
    now.t += 30_000;
    expect(code(() => throttle.beforeCodeRequest('1.1.1.1'))).toBe('ok');
  });

  it('counts code verifications as sign-in attempts of the address', () => {
    const throttle = new AuthThrottle({ attemptsPerMinute: 3, registrationsPerMinute: 3, failuresPerAccount: 5, now: () => 0 });
    for (let i = 0; i < 3; i++) expect(code(() => throttle.beforeCodeVerify('1.1.1.1'))).toBe('ok');
    expect(code(() => throttle.beforeCodeVerify('1.1.1.1'))).toBe('RATE_LIMITED 20');
    expect(code(() => throttle.beforeLogin('1.1.1.1', 'alice'))).toMatch(/^RATE_LIMITED/);
  });

  it('lets an address fail five times against an account, then one try a minute', () => {
    const { throttle, now } = setup();
    for (let i = 0; i < 5; i++) {
      expect(code(() => throttle.beforeLogin('1.1.1.1', 'alice'))).toBe('ok');
      throttle.loginFailed('1.1.1.1', 'alice');
    }
    expect(code(() => throttle.beforeLogin('1.1.1.1', 'alice'))).toBe('RATE_LIMITED 60');
    now.t += 60_000;
    expect(code(() => throttle.beforeLogin('1.1.1.1', 'alice'))).toBe('ok');
  });

  it('never locks the owner out: another address keeps its own budget', () => {
    const { throttle } = setup();
    for (let i = 0; i < 200; i++) {
      if (code(() => throttle.beforeLogin(`10.0.0.${i % 50}`, 'alice')) === 'ok') throttle.loginFailed(`10.0.0.${i % 50}`, 'alice');
    }
    expect(code(() => throttle.beforeLogin('192.168.1.7', 'alice'))).toBe('ok');
    throttle.loginSucceeded('192.168.1.7', 'alice');
  });

  it('slows failures down further once an account fails from everywhere', () => {
    const { throttle } = setup();
    for (let i = 0; i < 20; i++) throttle.loginFailed(`10.0.1.${i}`, 'bob');
    throttle.loginFailed('10.9.9.9', 'bob');
    expect(code(() => throttle.beforeLogin('10.9.9.9', 'bob'))).toBe('ok');
    throttle.loginFailed('10.9.9.9', 'bob');
    // Two failures under attack cost six of the pair's five: it waits two minutes for one token.
    expect(code(() => throttle.beforeLogin('10.9.9.9', 'bob'))).toBe('RATE_LIMITED 120');
  });

  it('a success clears the pair', () => {
    const { throttle } = setup();
    for (let i = 0; i < 5; i++) throttle.loginFailed('1.1.1.1', 'carol');
    throttle.loginSucceeded('1.1.1.1', 'carol');
    expect(code(() => throttle.beforeLogin('1.1.1.1', 'carol'))).toBe('ok');
  });

  it('limits sign-ups per address', () => {
    const { throttle, now } = setup();
    expect([1, 2, 3, 4].map(() => code(() => throttle.beforeRegister('2.2.2.2')))).toEqual(['ok', 'ok', 'ok', 'RATE_LIMITED 20']);
    expect(code(() => throttle.beforeRegister('3.3.3.3'))).toBe('ok');
    now.t += 20_000;
    expect(code(() => throttle.beforeRegister('2.2.2.2'))).toBe('ok');
  });
});
