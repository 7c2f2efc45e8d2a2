/**
 * Per-conversation sequencing. The sequencer is the single writer for the conversations of the
 * partitions it owns; this class holds its in-memory view: the last seq assigned per conversation,
 * loaded lazily from the store (the store is the truth, the cache only saves a read).
 */
export class SequenceCounter {
  private readonly last = new Map<string, number>();

  constructor(private readonly maxEntries = 100_000) {}

  known(conversationId: string): number | undefined {
    return this.last.get(conversationId);
  }

  /** Seeds the counter from the store's last seq (0 for an empty conversation). */
  seed(conversationId: string, lastSeq: number): void {
    if (this.last.size >= this.maxEntries && !this.last.has(conversationId)) {
      // Bounded: forget the oldest entry; it is reloaded from the store when next needed.
      const oldest = this.last.keys().next().value;
      if (oldest !== undefined) this.last.delete(oldest);
    }
    this.last.set(conversationId, lastSeq);
  }

  /** The seq the next message gets. Call commit() once it is stored. */
  peekNext(conversationId: string): number {
    const last = this.last.get(conversationId);
    if (last === undefined) throw new Error(`sequence for ${conversationId} not seeded`);
    return last + 1;
  }

  commit(conversationId: string, seq: number): void {
    const last = this.last.get(conversationId) ?? 0;
    if (seq !== last + 1) throw new Error(`non-dense seq ${seq} after ${last} in ${conversationId}`);
    this.last.set(conversationId, seq);
  }

  /** Drops cached state (e.g. when a partition is revoked: another owner may write next). */
  forget(conversationId: string): void {
    this.last.delete(conversationId);
  }

  clear(): void {
    this.last.clear();
  }
}

/** The identity of a send, forever: retries through any path map to the same message. */
export function idempotencyKey(senderId: string, conversationId: string, clientMsgId: string): string {
  return `${conversationId}\u0000${senderId}\u0000${clientMsgId}`;
}
