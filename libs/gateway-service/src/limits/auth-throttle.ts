import { DomainError } from '@parley/domain';
import { KeyedBuckets } from './keyed-buckets';

export interface AuthThrottleOptions {
  /** Login, refresh and registration attempts per minute per client address. */
  attemptsPerMinute: number;
  /** Registrations per minute per client address. */
  registrationsPerMinute: number;
  /** Failed logins one address may make against one account before it waits (one more a minute). */
  failuresPerAccount: number;
  /** One-time-code requests per minute per client address (default 5). */
  codeRequestsPerMinute?: number;
  now?: () => number;
}

/** An account under attack: past this many failed logins from all addresses, failures cost triple. */
const ACCOUNT_FAILURE_BURST = 20;

/**
 * Password-guessing and sign-up limits at the edge (per gateway):
 * - every address gets `attemptsPerMinute` auth attempts and `registrationsPerMinute` sign-ups;
 * - each (account, address) pair gets `failuresPerAccount` failed logins, then one a minute; a
 *   success clears the pair. Another address (the owner's phone) keeps its own budget, so an
 *   attacker cannot lock the owner out;
 * - an account that fails often from everywhere (ACCOUNT_FAILURE_BURST, refilling one per 30 s)
 *   makes every further failure cost its pair three, slowing a guesser to one try per three minutes
 *   per address, again without touching addresses that have not failed.
 * Refusals are RATE_LIMITED (429) with the seconds to wait, for `Retry-After`.
 */
export class AuthThrottle {
  private readonly attempts: KeyedBuckets;
  private readonly registrations: KeyedBuckets;
  private readonly pairs: KeyedBuckets;
  private readonly accounts: KeyedBuckets;
  private readonly codeRequests: KeyedBuckets;

  constructor(opts: AuthThrottleOptions) {
    const now = opts.now ?? Date.now;
    this.attempts = new KeyedBuckets(opts.attemptsPerMinute / 60, opts.attemptsPerMinute, 100_000, now);
    this.registrations = new KeyedBuckets(opts.registrationsPerMinute / 60, opts.registrationsPerMinute, 100_000, now);
    this.pairs = new KeyedBuckets(1 / 60, opts.failuresPerAccount, 200_000, now);
    this.accounts = new KeyedBuckets(1 / 30, ACCOUNT_FAILURE_BURST, 100_000, now);
    const codes = opts.codeRequestsPerMinute ?? 5;
    this.codeRequests = new KeyedBuckets(codes / 60, codes, 100_000, now);
  }

  /** Before a login: refuses when the address or this (account, address) pair must wait. */
  beforeLogin(address: string, username: string): void {
    this.spend(this.attempts, address, 'too many sign-in attempts from this address');
    const pair = pairKey(username, address);
    const wait = this.pairs.retryAfterSec(pair);
    if (wait > 0) throw rateLimited('too many failed sign-ins for this account; try again later', wait);
  }

  loginFailed(address: string, username: string): void {
    const underAttack = !this.accounts.take(username);
    this.pairs.charge(pairKey(username, address), underAttack ? 3 : 1);
  }

  loginSucceeded(address: string, username: string): void {
    this.pairs.forget(pairKey(username, address));
  }

  beforeRefresh(address: string): void {
    this.spend(this.attempts, address, 'too many token refreshes from this address');
  }

  beforeRegister(address: string): void {
    this.spend(this.attempts, address, 'too many attempts from this address');
    this.spend(this.registrations, address, 'too many sign-ups from this address');
  }

  /**
   * Before a one-time code is sent: the address's auth attempts and its code requests (SMS and
   * mail cost money and annoy their owners). Per destination, the auth service limits sends itself.
   */
  beforeCodeRequest(address: string): void {
    this.spend(this.attempts, address, 'too many attempts from this address');
    this.spend(this.codeRequests, address, 'too many sign-in codes requested from this address');
  }

  /** Before a code is checked: the address's auth attempts (each code also burns after a few wrong guesses). */
  beforeCodeVerify(address: string): void {
    this.spend(this.attempts, address, 'too many sign-in attempts from this address');
  }

  private spend(buckets: KeyedBuckets, key: string, message: string): void {
    if (!buckets.take(key)) throw rateLimited(message, Math.max(1, buckets.retryAfterSec(key)));
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
