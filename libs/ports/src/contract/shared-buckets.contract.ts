import { randomUUID } from 'node:crypto';
import { BucketFamily, SharedBuckets } from '../shared-buckets.port';

/** The SharedBuckets contract: take within the burst, wait when empty, debt from charges, forget, families apart. */
export function describeSharedBucketsContract(name: string, open: () => Promise<{ buckets: SharedBuckets; cleanup(): Promise<void> }>): void {
  describe(`SharedBuckets contract (${name})`, () => {
    let buckets: SharedBuckets;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ buckets, cleanup } = await open());
    });
    afterAll(() => cleanup());
    // One token a minute: nothing refills while a test runs.
    const slow: BucketFamily = { name: 'contract-slow', ratePerSecond: 1 / 60, burst: 3 };

    it('takes up to the burst, then answers the seconds to wait and takes nothing', async () => {
      const key = randomUUID();
      expect(await buckets.retryAfterSec(slow, key)).toBe(0);
      for (let i = 0; i < 3; i++) expect(await buckets.take(slow, key)).toBe(0);
      const wait = await buckets.take(slow, key);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(60);
      const later = await buckets.retryAfterSec(slow, key); // the same wait, give or take the clock's last second
      expect(later).toBeGreaterThanOrEqual(wait - 1);
      expect(later).toBeLessThanOrEqual(wait);
    });

    it('charges into debt (down to -burst), so waits grow, and forget refills', async () => {
      const key = randomUUID();
      await buckets.charge(slow, key, 3);
      const one = await buckets.retryAfterSec(slow, key);
      await buckets.charge(slow, key, 2);
      const more = await buckets.retryAfterSec(slow, key);
      expect(more).toBeGreaterThan(one + 100); // two tokens more at one a minute
      await buckets.charge(slow, key, 6); // capped at -burst: at most (1 + 3) minutes for one token
      expect(await buckets.retryAfterSec(slow, key)).toBeLessThanOrEqual(4 * 60);
      await buckets.forget(slow, key);
      expect(await buckets.take(slow, key, 3)).toBe(0);
    });

    it('keeps keys and families apart, and refills at its rate', async () => {
      const key = randomUUID();
      const fast: BucketFamily = { name: 'contract-fast', ratePerSecond: 20, burst: 1 };
      expect(await buckets.take(fast, key)).toBe(0);
      expect(await buckets.take(fast, key)).toBeGreaterThan(0);
      expect(await buckets.take(slow, key)).toBe(0); // the same key in another family
      expect(await buckets.take(fast, `${key}-other`)).toBe(0);
      await new Promise((r) => setTimeout(r, 120)); // one token in 50 ms
      expect(await buckets.take(fast, key)).toBe(0);
    });
  });
}
