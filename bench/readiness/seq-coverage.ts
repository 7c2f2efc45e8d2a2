/**
 * Which seqs of one conversation a client has received (over all its connections, live or by
 * `sync`), as closed intervals above a base: what it must end with is every seq in (base, last].
 * Pure and compact (a client that reads in order holds one interval).
 */
export class SeqCoverage {
  /** Disjoint, sorted, non-adjacent [lo, hi] intervals of received seqs above the base. */
  private readonly intervals: Array<[number, number]> = [];

  constructor(readonly base: number) {
    if (!Number.isInteger(base) || base < 0) throw new Error(`base seq must be a non-negative integer, got ${base}`);
  }

  add(seq: number): void {
    if (!Number.isInteger(seq) || seq <= this.base) return;
    const iv = this.intervals;
    const last = iv[iv.length - 1];
    // The common case: the next seq in order, or a repeat of the newest.
    if (last !== undefined && seq >= last[0]) {
      if (seq <= last[1]) return;
      if (seq === last[1] + 1) {
        last[1] = seq;
        return;
      }
      iv.push([seq, seq]);
      return;
    }
    // First interval i with hi >= seq - 1 (binary search), then insert or merge.
    let lo = 0;
    let hi = iv.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (iv[mid][1] < seq - 1) lo = mid + 1;
      else hi = mid;
    }
    const at = iv[lo];
    if (at === undefined || at[0] > seq + 1) {
      iv.splice(lo, 0, [seq, seq]);
      return;
    }
    if (seq >= at[0] && seq <= at[1]) return;
    if (seq === at[1] + 1) at[1] = seq;
    else at[0] = Math.min(at[0], seq);
    const next = iv[lo + 1];
    if (next !== undefined && next[0] <= at[1] + 1) {
      at[1] = Math.max(at[1], next[1]);
      iv.splice(lo + 1, 1);
    }
  }

  /** The highest seq s such that every seq in (base, s] was received (base when none is): where a resume starts. */
  contiguousEnd(): number {
    const first = this.intervals[0];
    return first !== undefined && first[0] === this.base + 1 ? first[1] : this.base;
  }

  /** Whether every seq in (base, last] was received. */
  complete(last: number): boolean {
    return this.contiguousEnd() >= last;
  }

  /** The missing ranges within (base, last], as [from, to] pairs, at most `max` of them. */
  gaps(last: number, max = 10): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let next = this.base + 1;
    for (const [lo, hi] of this.intervals) {
      if (out.length >= max || next > last) break;
      if (lo > next) out.push([next, Math.min(lo - 1, last)]);
      next = Math.max(next, hi + 1);
    }
    if (out.length < max && next <= last) out.push([next, last]);
    return out;
  }

  /** Seqs received in all (above the base). */
  count(): number {
    return this.intervals.reduce((a, [lo, hi]) => a + hi - lo + 1, 0);
  }
}
