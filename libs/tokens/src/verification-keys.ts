import type { JsonWebKeySet } from '@parley/ports';
import { createPublicKey, KeyObject } from 'node:crypto';
import { TOKEN_ALG, TOKEN_CURVE } from './token.constants';

/** Where the verifier gets the published keys: a JWKS document, fetched or local. */
export type KeySetSource = () => Promise<JsonWebKeySet> | JsonWebKeySet;

/** The key set could not be fetched or is unusable (a server-side problem, not a bad token). */
export class KeySetError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeySetError';
  }
}

export interface VerificationKeysOptions {
  source: KeySetSource;
  /** Least time between two fetches of the key set (bounds what unknown kids can cost). */
  refreshCooldownSec: number;
  /** Keys older than this are re-fetched on next use, so retired keys stop verifying. */
  maxAgeSec: number;
  now: () => number;
  /** Told when a re-fetch fails while the previous keys stay in use. */
  onStaleKeys?: (error: KeySetError) => void;
}

type VerifyKey = KeyObject;

/** Bound on the keys taken from one key set (a real set holds a handful). */
const MAX_KEYS = 64;

/**
 * The imported public keys by `kid`. The set is fetched on first use, again when a token names an
 * unknown kid or the keys grow old, never more than once per cooldown, and concurrent callers
 * share one fetch.
 */
export class VerificationKeys {
  private keys = new Map<string, VerifyKey>();
  private loadedAt: number | null = null;
  private lastFetchAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | null = null;
  private kids = '';
  private changes = 0;

  constructor(private readonly opts: VerificationKeysOptions) {}

  /** Bumped whenever a fetch brings a different set of key ids: a verification remembered under an older set must be redone. */
  get generation(): number {
    return this.changes;
  }

  /**
   * Without waiting: the key named `kid` when the loaded set has it; `null` when the answer needs a
   * fetch first (nothing loaded yet, or an unknown kid that may be a new key); undefined when the
   * set does not have it and may not be fetched again yet. An old set is refreshed in the
   * background while its keys keep answering.
   */
  peek(kid: string): VerifyKey | undefined | null {
    if (this.loadedAt === null) return null;
    if (this.elapsedSec(this.loadedAt) >= this.opts.maxAgeSec && this.mayFetch()) this.refreshKeepingStale().catch(() => undefined);
    const known = this.keys.get(kid);
    if (known) return known;
    return this.mayFetch() ? null : undefined;
  }

  /** The key named `kid`, or undefined when the key set does not have it. Throws KeySetError. */
  async get(kid: string): Promise<VerifyKey | undefined> {
    if (this.loadedAt === null) {
      // Nothing to fall back on: a failure here is the caller's failure.
      await this.refresh();
    } else if (this.elapsedSec(this.loadedAt) >= this.opts.maxAgeSec && this.mayFetch()) {
      await this.refreshKeepingStale();
    }
    const known = this.keys.get(kid);
    if (known || !this.mayFetch()) return known;
    await this.refreshKeepingStale();
    return this.keys.get(kid);
  }

  private mayFetch(): boolean {
    return this.elapsedSec(this.lastFetchAt) >= this.opts.refreshCooldownSec;
  }

  private elapsedSec(since: number): number {
    return (this.opts.now() - since) / 1000;
  }

  private async refreshKeepingStale(): Promise<void> {
    try {
      await this.refresh();
    } catch (e) {
      if (!(e instanceof KeySetError)) throw e;
      this.opts.onStaleKeys?.(e);
    }
  }

  private refresh(): Promise<void> {
    this.inFlight ??= this.fetch().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async fetch(): Promise<void> {
    this.lastFetchAt = this.opts.now();
    let set: JsonWebKeySet;
    try {
      set = await this.opts.source();
    } catch (e) {
      throw new KeySetError('the key set could not be fetched', { cause: e });
    }
    this.keys = importKeySet(set);
    this.loadedAt = this.opts.now();
    const kids = [...this.keys.keys()].sort().join('\n');
    if (kids !== this.kids) this.changes++;
    this.kids = kids;
  }
}

/** Takes the Ed25519 public keys of a set; keys of other types are not ours and are left out. */
function importKeySet(set: unknown): Map<string, VerifyKey> {
  if (typeof set !== 'object' || set === null || !Array.isArray((set as JsonWebKeySet).keys)) {
    throw new KeySetError('the key set is not a JWKS document');
  }
  const keys = new Map<string, VerifyKey>();
  for (const jwk of (set as JsonWebKeySet).keys.slice(0, MAX_KEYS)) {
    if (typeof jwk !== 'object' || jwk === null) continue;
    const { kty, crv, x, kid, alg, d } = jwk;
    if (kty !== 'OKP' || crv !== TOKEN_CURVE || (alg !== undefined && alg !== TOKEN_ALG)) continue;
    if (d !== undefined) throw new KeySetError('the key set publishes a private key');
    if (typeof kid !== 'string' || kid.length === 0 || typeof x !== 'string') {
      throw new KeySetError('an Ed25519 key in the key set has no kid or no x');
    }
    try {
      keys.set(kid, createPublicKey({ key: { kty, crv, x }, format: 'jwk' }));
    } catch (e) {
      throw new KeySetError(`key ${kid} in the key set does not import`, { cause: e });
    }
  }
  return keys;
}
