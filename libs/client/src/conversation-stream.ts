import { MessageDto } from '@parley/protocol';

/**
 * Per-conversation ordering: delivers messages densely in increasing `seq`, drops duplicates
 * (`seq <= lastSeq`), and holds messages that arrive ahead of a gap in a bounded buffer until
 * the gap is filled. A message that does not fit in the full buffer is dropped: it is still
 * counted in `highestSeen`, so the gap stays open and a sync fetches it again.
 */
export class ConversationStream {
  private readonly ahead = new Map<number, MessageDto>();
  private highest: number;

  constructor(
    readonly conversationId: string,
    private last: number,
    private readonly maxBuffered: number,
  ) {
    this.highest = last;
  }

  /** Highest seq delivered: every seq up to it has been delivered exactly once. */
  get lastSeq(): number {
    return this.last;
  }

  /** Highest seq known to exist (seen on the wire, buffered or not). */
  get highestSeen(): number {
    return this.highest;
  }

  get hasGap(): boolean {
    return this.highest > this.last;
  }

  get bufferedCount(): number {
    return this.ahead.size;
  }

  /** Notes that messages up to `seq` exist (e.g. a sync.done or a conversation's last_seq). */
  noteExisting(seq: number): void {
    if (seq > this.highest) this.highest = seq;
  }

  /**
   * The app already has everything up to `seq` (e.g. from REST history): moves forward, forgets
   * what is buffered up to it, and returns the buffered messages that are now deliverable.
   */
  skipTo(seq: number): MessageDto[] {
    if (seq <= this.last) return [];
    for (const buffered of this.ahead.keys()) {
      if (buffered <= seq) this.ahead.delete(buffered);
    }
    this.last = seq;
    this.noteExisting(seq);
    return this.drain([]);
  }

  /** Takes one message off the wire; returns those now deliverable, in order. */
  accept(message: MessageDto): MessageDto[] {
    const { seq } = message;
    if (seq <= this.last) return [];
    this.noteExisting(seq);
    if (seq !== this.last + 1) {
      if (!this.ahead.has(seq) && this.ahead.size < this.maxBuffered) this.ahead.set(seq, message);
      return [];
    }
    this.last = seq;
    return this.drain([message]);
  }

  private drain(ready: MessageDto[]): MessageDto[] {
    for (let next = this.ahead.get(this.last + 1); next; next = this.ahead.get(this.last + 1)) {
      this.ahead.delete(next.seq);
      ready.push(next);
      this.last = next.seq;
    }
    return ready;
  }
}
