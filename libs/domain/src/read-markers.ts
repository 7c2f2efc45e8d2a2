import { validationFailed } from './errors';

/**
 * A read marker only moves forward. A lower seq is accepted and ignored; a seq above the
 * conversation's last_seq is invalid. Returns the marker to store.
 */
export function advanceReadMarker(current: number, requested: number, lastSeq: number): number {
  if (!Number.isSafeInteger(requested) || requested < 0) throw validationFailed('seq must be a non-negative integer');
  if (requested > lastSeq) throw validationFailed(`seq ${requested} is above the conversation's last_seq ${lastSeq}`);
  return Math.max(current, requested);
}

/** Messages with seq > lastRead are unread; seqs are dense, so this is a subtraction. */
export function unreadCount(lastSeq: number, lastReadSeq: number): number {
  return Math.max(0, lastSeq - lastReadSeq);
}

/** "Read by N": how many members' markers reached seq, from a sorted list of markers. */
export function readByCount(sortedMarkers: readonly number[], seq: number): number {
  let lo = 0;
  let hi = sortedMarkers.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sortedMarkers[mid] < seq) lo = mid + 1;
    else hi = mid;
  }
  return sortedMarkers.length - lo;
}
