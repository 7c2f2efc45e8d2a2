import { KeyedBuckets } from '../keyed-buckets';
import { BucketFamily, SharedBuckets } from '../shared-buckets.port';

/**
 * SharedBuckets in this process (standalone, and a gateway's fallback while Redis does not
 * answer): one bounded KeyedBuckets per family, least recently used keys evicted first.
 */
export class MemorySharedBuckets implements SharedBuckets {
  private readonly families = new Map<string, KeyedBuckets>();

  constructor(
    private readonly maxKeysPerFamily = 200_000,
    private readonly now: () => number = Date.now,
  ) {}

  async take(family: BucketFamily, key: string, cost = 1): Promise<number> {
    const b = this.of(family);
    return b.take(key, cost) ? 0 : Math.max(1, b.retryAfterSec(key, cost));
  }

  async charge(family: BucketFamily, key: string, cost = 1): Promise<void> {
    this.of(family).charge(key, cost);
  }

  async retryAfterSec(family: BucketFamily, key: string, cost = 1): Promise<number> {
    return this.of(family).retryAfterSec(key, cost);
  }

  async forget(family: BucketFamily, key: string): Promise<void> {
    this.of(family).forget(key);
  }

  async healthy(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.families.clear();
  }

  private of(family: BucketFamily): KeyedBuckets {
    let b = this.families.get(family.name);
    if (!b) {
      b = new KeyedBuckets(family.ratePerSecond, family.burst, this.maxKeysPerFamily, this.now);
      this.families.set(family.name, b);
    }
    return b;
  }
}
