import { Message } from '@parley/domain';

/** A page of messages after a seq, as `sync` answers it. */
export interface SyncPage {
  messages: Message[];
  has_more: boolean;
}

/**
 * The last messages a gateway published in one conversation, contiguous in seq. A client that
 * resumes a few messages behind (a reconnect after its gateway died, a network blip) is answered
 * from here instead of the store: in a storm of thousands of resumes, the store sees none of them.
 * Bounded by `capacity`; emptied when the published stream skips a seq (an unfilled gap), since it
 * could no longer vouch for every seq in its range.
 */
export class RecentMessages {
  private readonly ring: Message[] = [];

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`RecentMessages capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.ring.length;
  }

  /** Records a published message; one that does not follow the last seq starts the ring over. */
  push(m: Message): void {
    const last = this.ring[this.ring.length - 1];
    if (last && m.seq !== last.seq + 1) this.ring.length = 0;
    this.ring.push(m);
    if (this.ring.length > this.capacity) this.ring.shift();
  }

  clear(): void {
    this.ring.length = 0;
  }

  /**
   * Up to `limit` messages with seq > afterSeq, or null when the ring cannot vouch for the whole
   * answer: it is empty, it starts after afterSeq + 1, or afterSeq is past what it holds (messages
   * this gateway has not published yet: the store is asked instead). Whatever is published after
   * this answer reaches a subscribed socket live, so a page ending at the ring's end has no more.
   */
  pageAfter(afterSeq: number, limit: number): SyncPage | null {
    const n = this.ring.length;
    if (n === 0) return null;
    const first = this.ring[0].seq;
    const last = this.ring[n - 1].seq;
    if (afterSeq < first - 1 || afterSeq > last) return null;
    const from = afterSeq - first + 1;
    const to = Math.min(n, from + limit);
    return { messages: this.ring.slice(from, to), has_more: to < n };
  }
}
