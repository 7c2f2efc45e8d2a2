import { DomainError } from '@parley/domain';
import { Logger } from '@parley/observability';
import { BucketFamily, MemorySharedBuckets, SharedBuckets } from '@parley/ports';

export interface AuthThrottleOptions {
  /** Login, refresh and registration attempts per minute per client address. */
  attemptsPerMinute: number;
  /** Registrations per minute per client address. */
  registrationsPerMinute: number;
  /** Failed logins one address may make against one account before it waits (one more a minute). */
  failuresPerAccount: number;
  /** One-time-code requests per minute per client address (default 5). */
  codeRequestsPerMinute?: number;
  /** The buckets every gateway shares (the mesh's Redis); default: this gateway's own. */
  shared?: SharedBuckets;
  logger?: Logger;
  now?: () => number;
}

/** An account under attack: past this many failed logins from all addresses, failures cost triple. */
const ACCOUNT_FAILURE_BURST = 20;
/** How often a gateway says again that the shared limits are unreachable. */
const FALLBACK_WARN_EVERY_MS = 60_000;

/**
 * Password-guessing and sign-up limits at the edge, shared by every gateway (a guesser gains
 * nothing from spreading over them):
 * - every address gets `attemptsPerMinute` auth attempts and `registrationsPerMinute` sign-ups;
 * - each (account, address) pair gets `failuresPerAccount` failed logins, then one a minute; a
 *   success clears the pair. Another address (the owner's phone) keeps its own budget, so an
 *   attacker cannot lock the owner out;
 * - an account that fails often from everywhere (ACCOUNT_FAILURE_BURST, refilling one per 30 s)
 *   makes every further failure cost its pair three, slowing a guesser to one try per three minutes
 *   per address, again without touching addresses that have not failed.
 * While the shared buckets do not answer, this gateway's own buckets decide (sign-in keeps working,
 * limited per gateway as before) and a warning is logged once a minute.
 * Refusals are RATE_LIMITED (429) with the seconds to wait, for `Retry-After`.
 */
export class AuthThrottle {
  private readonly attempts: BucketFamily;
  private readonly registrations: BucketFamily;
  private readonly pairs: BucketFamily;
  private readonly accounts: BucketFamily = { name: 'auth-account-failures', ratePerSecond: 1 / 30, burst: ACCOUNT_FAILURE_BURST };
  private readonly codeRequests: BucketFamily;
  private readonly local: MemorySharedBuckets;
  private readonly shared: SharedBuckets;
  private lastWarnAt = -Infinity;

  constructor(private readonly opts: AuthThrottleOptions) {
    this.attempts = { name: 'auth-attempts', ratePerSecond: opts.attemptsPerMinute / 60, burst: opts.attemptsPerMinute };
    this.registrations = { name: 'auth-registrations', ratePerSecond: opts.registrationsPerMinute / 60, burst: opts.registrationsPerMinute };
    this.pairs = { name: 'auth-pair-failures', ratePerSecond: 1 / 60, burst: opts.failuresPerAccount };
    const codes = opts.codeRequestsPerMinute ?? 5;
    this.codeRequests = { name: 'auth-code-requests', ratePerSecond: codes / 60, burst: codes };
    this.local = new MemorySharedBuckets(200_000, opts.now ?? Date.now);
    this.shared = opts.shared ?? this.local;
  }

  /** Before a login: refuses when the address or this (account, address) pair must wait. */
  async beforeLogin(address: string, username: string): Promise<void> {
    await this.spend(this.attempts, address, 'too many sign-in attempts from this address');
    const wait = await this.use((b) => b.retryAfterSec(this.pairs, pairKey(username, address)));
    if (wait > 0) throw rateLimited('too many failed sign-ins for this account; try again later', wait);
  }

  async loginFailed(address: string, username: string): Promise<void> {
    const underAttack = (await this.use((b) => b.take(this.accounts, username))) > 0;
    await this.use((b) => b.charge(this.pairs, pairKey(username, address), underAttack ? 3 : 1));
  }

  async loginSucceeded(address: string, username: string): Promise<void> {
    await this.use((b) => b.forget(this.pairs, pairKey(username, address)));
  }

  async beforeRefresh(address: string): Promise<void> {
    await this.spend(this.attempts, address, 'too many token refreshes from this address');
  }

  async beforeRegister(address: string): Promise<void> {
    await this.spend(this.attempts, address, 'too many attempts from this address');
    await this.spend(this.registrations, address, 'too many sign-ups from this address');
  }

  /**
   * Before a one-time code is sent: the address's auth attempts and its code requests (SMS and
   * mail cost money and annoy their owners). Per destination, the auth service limits sends itself.
   */
  async beforeCodeRequest(address: string): Promise<void> {
    await this.spend(this.attempts, address, 'too many attempts from this address');
    await this.spend(this.codeRequests, address, 'too many sign-in codes requested from this address');
  }

  /** Before a code is checked: the address's auth attempts (each code also burns after a few wrong guesses). */
  async beforeCodeVerify(address: string): Promise<void> {
    await this.spend(this.attempts, address, 'too many sign-in attempts from this address');
  }

  private async spend(family: BucketFamily, key: string, message: string): Promise<void> {
    const wait = await this.use((b) => b.take(family, key));
    if (wait > 0) throw rateLimited(message, wait);
  }

  /** Runs on the shared buckets, or on this gateway's own while they do not answer. */
  private async use<T>(run: (b: SharedBuckets) => Promise<T>): Promise<T> {
    if (this.shared === this.local) return run(this.local);
    try {
      return await run(this.shared);
    } catch (err) {
      if (!(err instanceof DomainError && err.code === 'UNAVAILABLE')) throw err;
      const now = (this.opts.now ?? Date.now)();
      if (now - this.lastWarnAt >= FALLBACK_WARN_EVERY_MS) {
        this.lastWarnAt = now;
        this.opts.logger?.warn('shared sign-in limits unreachable; this gateway limits on its own', { err });
      }
      return run(this.local);
    }
  }
}

const pairKey = (username: string, address: string) => `${username}\u0000${address}`;

/** RATE_LIMITED with the seconds to wait (the gateway sends them as `Retry-After`). */
export function rateLimited(message: string, retryAfterSec: number): DomainError {
  return Object.assign(new DomainError('RATE_LIMITED', message), { retryAfterSec: Math.max(1, Math.ceil(retryAfterSec)) });
}

/** The seconds a RATE_LIMITED error asks the client to wait (1 when it does not say). */
export function retryAfterOf(e: unknown): number {
  const v = (e as { retryAfterSec?: unknown } | null)?.retryAfterSec;
  return typeof v === 'number' && v >= 1 ? v : 1;
}
