import { Message } from '@parley/domain';
import { bucketOf } from './cassandra-message-store.schema';

/** Bytes of row data per batch: well under Cassandra's default batch_size_fail_threshold (50 KiB). */
const MAX_BATCH_BYTES = 24 * 1024;

/** Consecutive runs of seq-sorted messages that share a partition (bucket), cut at MAX_BATCH_BYTES. */
export function rowBatches(sorted: readonly Message[], bucketSize: number): Message[][] {
  const out: Message[][] = [];
  let current: Message[] = [];
  let bytes = 0;
  let bucket = -1;
  for (const m of sorted) {
    const size = 200 + Buffer.byteLength(m.body.text);
    const b = bucketOf(m.seq, bucketSize);
    if (current.length > 0 && (b !== bucket || bytes + size > MAX_BATCH_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
    bucket = b;
  }
  if (current.length > 0) out.push(current);
  return out;
}
