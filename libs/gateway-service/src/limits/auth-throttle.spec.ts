import { DomainError } from '@parley/domain';
import { MemorySharedBuckets, SharedBuckets } from '@parley/ports';
import { AuthThrottle } from './auth-throttle';

function setup(now = { t: 0 }) {
  const throttle = new AuthThrottle({ attemptsPerMinute: 1000, registrationsPerMinute: 3, failuresPerAccount: 5, now: () => now.t });
  return { throttle, now };
}

const code = async (fn: () => Promise<void>) => {
  try {
    await fn();
    return 'ok';
  } catch (e) {
    return `${(e as { code: string }).code} ${(e as { retryAfterSec: number }).retryAfterSec}`;
  }
};

describe('AuthThrottle', () => {
  it('limits one-time-code requests per address, with the wait; another address is not affected', async () => {
    const now = { t: 0 };
    const throttle = new AuthThrottle({ attemptsPerMinute: 1000, registrationsPerMinute: 3, failuresPerAccount: 5, codeRequestsPerMinute: 2, now: () => now.t });
    expect(await code(() => throttle.beforeCodeRequest('1.1.1.1'))).toBe('ok');
    expect(await code(() => throttle.beforeCodeRequest('1.1.1.1'))).toBe('ok');
    expect(await code(() => throttle.beforeCodeRequest('1.1.1.1'))).toBe('RATE_LIMITED 30');
    expect(await code(() => throttle.beforeCodeRequest('2.2.2.2'))).toBe('ok');
    now.t += 30_000;
    expect(await code(() => throttle.beforeCodeRequest('1.1.1.1'))).toBe('ok');
  });

  it('counts code verifications as sign-in attempts of the address', async () => {
    const throttle = new AuthThrottle({ attemptsPerMinute: 3, registrationsPerMinute: 3, failuresPerAccount: 5, now: () => 0 });
    for (let i = 0; i < 3; i++) expect(await code(() => throttle.beforeCodeVerify('1.1.1.1'))).toBe('ok');
    expect(await code(() => throttle.beforeCodeVerify('1.1.1.1'))).toBe('RATE_LIMITED 20');
    expect(await code(() => throttle.beforeLogin('1.1.1.1', 'alice'))).toMatch(/^RATE_LIMITED/);
  });

  it('lets an address fail five times against an account, then one try a minute', async () => {
    const { throttle, now } = setup();
    for (let i = 0; i < 5; i++) {
      expect(await code(() => throttle.beforeLogin('1.1.1.1', 'alice'))).toBe('ok');
      await throttle.loginFailed('1.1.1.1', 'alice');
    }
    expect(await code(() => throttle.beforeLogin('1.1.1.1', 'alice'))).toBe('RATE_LIMITED 60');
    now.t += 60_000;
    expect(await code(() => throttle.beforeLogin('1.1.1.1', 'alice'))).toBe('ok');
  });

  it('never locks the owner out: another address keeps its own budget', async () => {
    const { throttle } = setup();
    for (let i = 0; i < 200; i++) {
      if ((await code(() => throttle.beforeLogin(`10.0.0.${i % 50}`, 'alice')) === 'ok')) await throttle.loginFailed(`10.0.0.${i % 50}`, 'alice');
    }
    expect(await code(() => throttle.beforeLogin('192.168.1.7', 'alice'))).toBe('ok');
    await throttle.loginSucceeded('192.168.1.7', 'alice');
  });

  it('slows failures down further once an account fails from everywhere', async () => {
    const { throttle } = setup();
    for (let i = 0; i < 20; i++) await throttle.loginFailed(`10.0.1.${i}`, 'bob');
    await throttle.loginFailed('10.9.9.9', 'bob');
    expect(await code(() => throttle.beforeLogin('10.9.9.9', 'bob'))).toBe('ok');
    await throttle.loginFailed('10.9.9.9', 'bob');
    // Two failures under attack cost six of the pair's five: it waits two minutes for one token.
    expect(await code(() => throttle.beforeLogin('10.9.9.9', 'bob'))).toBe('RATE_LIMITED 120');
  });

  it('a success clears the pair', async () => {
    const { throttle } = setup();
    for (let i = 0; i < 5; i++) await throttle.loginFailed('1.1.1.1', 'carol');
    await throttle.loginSucceeded('1.1.1.1', 'carol');
    expect(await code(() => throttle.beforeLogin('1.1.1.1', 'carol'))).toBe('ok');
  });

  it('limits sign-ups per address', async () => {
    const { throttle, now } = setup();
    expect(await Promise.all([1, 2, 3, 4].map(() => code(() => throttle.beforeRegister('2.2.2.2'))))).toEqual(['ok', 'ok', 'ok', 'RATE_LIMITED 20']);
    expect(await code(() => throttle.beforeRegister('3.3.3.3'))).toBe('ok');
    now.t += 20_000;
    expect(await code(() => throttle.beforeRegister('2.2.2.2'))).toBe('ok');
  });

  it('two gateways on the same shared buckets share every limit: spreading guesses over them gains nothing', async () => {
    const shared = new MemorySharedBuckets(1000, () => 0);
    const opts = { attemptsPerMinute: 1000, registrationsPerMinute: 3, failuresPerAccount: 5, shared, now: () => 0 };
    const gateways = [new AuthThrottle(opts), new AuthThrottle(opts)];
    for (let i = 0; i < 5; i++) {
      const g = gateways[i % 2];
      expect(await code(() => g.beforeLogin('1.1.1.1', 'dave'))).toBe('ok');
      await g.loginFailed('1.1.1.1', 'dave');
    }
    expect(await code(() => gateways[0].beforeLogin('1.1.1.1', 'dave'))).toBe('RATE_LIMITED 60');
    expect(await code(() => gateways[1].beforeLogin('1.1.1.1', 'dave'))).toBe('RATE_LIMITED 60');
  });

  it('falls back to its own buckets while the shared ones are unavailable, and says so once a minute', async () => {
    const down = (): Promise<never> => Promise.reject(new DomainError('UNAVAILABLE', 'redis is down'));
    const shared: SharedBuckets = { take: down, charge: down, retryAfterSec: down, forget: down, healthy: async () => false, close: async () => {} };
    const warnings: string[] = [];
    const logger = { warn: (m: string) => warnings.push(m) } as unknown as ConstructorParameters<typeof AuthThrottle>[0]['logger'];
    const throttle = new AuthThrottle({ attemptsPerMinute: 1000, registrationsPerMinute: 2, failuresPerAccount: 5, shared, logger, now: () => 0 });
    expect(await Promise.all([1, 2, 3].map(() => code(() => throttle.beforeRegister('4.4.4.4'))))).toEqual(['ok', 'ok', 'RATE_LIMITED 30']);
    expect(warnings).toEqual(['shared sign-in limits unreachable; this gateway limits on its own']);
  });

  it('does not hide a shared store failure other than unavailability', async () => {
    const broken = (): Promise<never> => Promise.reject(new DomainError('VALIDATION_FAILED', 'bad key'));
    const shared: SharedBuckets = { take: broken, charge: broken, retryAfterSec: broken, forget: broken, healthy: async () => true, close: async () => {} };
    const throttle = new AuthThrottle({ attemptsPerMinute: 10, registrationsPerMinute: 2, failuresPerAccount: 5, shared });
    expect(await code(() => throttle.beforeRefresh('5.5.5.5'))).toBe('VALIDATION_FAILED undefined');
  });
});
