/**
 * Token buckets that every gateway shares (the mesh keeps them in Redis), for the limits an
 * attacker could otherwise multiply by the number of gateways: sign-in attempts, failed logins
 * per account, sign-ups and code requests. A family names a kind of bucket with its rate and
 * burst; a key picks one bucket of it (an address, an account, a pair).
 */
export interface BucketFamily {
  /** [a-z-]+, unique per kind of limit. */
  name: string;
  ratePerSecond: number;
  burst: number;
}

export interface SharedBuckets {
  /** Takes `cost` tokens when the bucket has them: 0. Otherwise nothing is taken and the answer is the seconds to wait. */
  take(family: BucketFamily, key: string, cost?: number): Promise<number>;
  /** Charges `cost` whether or not the tokens are there (down to -burst): waits grow with the debt. */
  charge(family: BucketFamily, key: string, cost?: number): Promise<void>;
  /** Seconds until the bucket holds `cost` tokens (0 when it does now). */
  retryAfterSec(family: BucketFamily, key: string, cost?: number): Promise<number>;
  /** Back to a full bucket. */
  forget(family: BucketFamily, key: string): Promise<void>;
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

export const SHARED_BUCKETS = Symbol('SharedBuckets');

/** Longest key a caller may use (keys are built from validated usernames and addresses). */
export const MAX_BUCKET_KEY_LENGTH = 512;
