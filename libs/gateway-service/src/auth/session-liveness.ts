import { DomainError } from '@parley/domain';
import { MAX_ACCESS_TTL_SECONDS } from '@parley/tokens';

export interface SessionLivenessOptions {
  /** Asks the auth service whether a session exists and is not revoked (one round trip). */
  lookup: (sessionId: string) => Promise<boolean>;
  /** Bound on each of the two maps (live and dead sessions); past it the oldest entries go first. */
  maxEntries?: number;
  now?: () => number;
}

/** A dead session is remembered as long as any of its access tokens could still verify. */
const DEAD_FOR_MS = (MAX_ACCESS_TTL_SECONDS + 60) * 1000;

/**
 * Whether an access token's session is alive, for every authenticated request (REST and
 * WebSocket) at the cost of a map lookup: a session found alive is remembered until the token
 * that asked expires, a revoked or unknown one until no token of it can verify. Revocations
 * (logout, refresh-token reuse) reach every gateway as `session.revoked` events and are applied
 * here at once; the auth service's table is the durable record, so a restarted gateway asks again.
 *
 * A revocation that arrives while a lookup for the same session is in flight wins: the lookup's
 * answer is not cached over it.
 */
export class SessionLiveness {
  /** session id -> epoch ms until which it is known alive. */
  private readonly live = new Map<string, number>();
  /** session id -> epoch ms until which it is known dead (revoked or unknown). */
  private readonly dead = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<boolean>>();
  private readonly max: number;
  private readonly now: () => number;

  constructor(private readonly opts: SessionLivenessOptions) {
    this.max = opts.maxEntries ?? 200_000;
    this.now = opts.now ?? Date.now;
  }

  /** Known answer without waiting, or undefined when the auth service must be asked. */
  known(sessionId: string): boolean | undefined {
    const now = this.now();
    if (fresh(this.dead, sessionId, now)) return false;
    if (fresh(this.live, sessionId, now)) return true;
    return undefined;
  }

  /**
   * Alive or not; `tokenExpSec` (the asking token's `exp`) bounds how long a yes is remembered.
   * Concurrent checks of one unknown session share one lookup. Throws UNAVAILABLE when the auth
   * service cannot answer.
   */
  async isAlive(sessionId: string, tokenExpSec: number): Promise<boolean> {
    const k = this.known(sessionId);
    if (k !== undefined) return k;
    let pending = this.inFlight.get(sessionId);
    if (!pending) {
      pending = this.ask(sessionId).finally(() => this.inFlight.delete(sessionId));
      this.inFlight.set(sessionId, pending);
    }
    const alive = await pending;
    if (!alive) return false;
    // Revoked while we asked: the event is newer than the answer.
    if (fresh(this.dead, sessionId, this.now())) return false;
    put(this.live, sessionId, Math.min(tokenExpSec * 1000, this.now() + DEAD_FOR_MS), this.max);
    return true;
  }

  /** A revocation event (or this gateway's own logout): the session is dead from now on. */
  revoke(sessionId: string): void {
    this.live.delete(sessionId);
    put(this.dead, sessionId, this.now() + DEAD_FOR_MS, this.max);
  }

  private async ask(sessionId: string): Promise<boolean> {
    let alive: boolean;
    try {
      alive = await this.opts.lookup(sessionId);
    } catch (e) {
      throw e instanceof DomainError ? e : Object.assign(new DomainError('UNAVAILABLE', 'sessions cannot be checked right now'), { cause: e });
    }
    if (!alive && !fresh(this.live, sessionId, this.now())) put(this.dead, sessionId, this.now() + DEAD_FOR_MS, this.max);
    return alive;
  }
}

function fresh(map: Map<string, number>, key: string, now: number): boolean {
  const until = map.get(key);
  if (until === undefined) return false;
  if (until > now) return true;
  map.delete(key);
  return false;
}

/** Sets `key` (moving it to the newest position) and evicts the oldest entries past `max`. */
function put(map: Map<string, number>, key: string, until: number, max: number): void {
  map.delete(key);
  map.set(key, until);
  while (map.size > max) {
    const oldest = map.keys().next().value;
    if (oldest === undefined) break;
    map.delete(oldest);
  }
}
