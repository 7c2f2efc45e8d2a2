import { Message } from '@parley/domain';
import { RecentMessages, SyncPage } from './recent-messages';

/** Largest gap a gateway fills itself; beyond it, clients see the gap and sync on their own. */
export const MAX_GAP_FILL = 500;

/**
 * Per-conversation ordering at the gateway: publishes each seq once, in increasing order, and
 * fills a gap from the store before going on. Copies may arrive twice (at-least-once upstream);
 * a seq at or below the last published one is dropped. Work for one conversation is serialized.
 * It also remembers the last messages it published (see RecentMessages) while `retain()` says so.
 */
export class ConversationFeed {
  private lastSeq: number | undefined;
  private chain: Promise<void> = Promise.resolve();
  private recent: RecentMessages | null = null;
  private retired = false;

  constructor(
    private readonly conversationId: string,
    /** May make the feed wait before its next publish (a per-turn budget); order is kept either way. */
    private readonly publish: (m: Message) => void | Promise<void>,
    private readonly backfill: (conversationId: string, afterSeq: number, limit: number) => Promise<Message[]>,
    private readonly onError: (err: unknown) => void,
    /** Whether to keep recent messages now (large local audiences: that is where resumes pile up). */
    private readonly retain: () => boolean = () => false,
    private readonly recentCapacity = 64,
  ) {}

  /** The last seq this feed published (undefined before its first message). */
  get lastPublished(): number | undefined {
    return this.lastSeq;
  }

  /** A resume answered from the messages this feed published, or null when it cannot vouch for it. */
  recentAfter(afterSeq: number, limit: number): SyncPage | null {
    return this.recent?.pageAfter(afterSeq, limit) ?? null;
  }

  /**
   * Stops this feed for good: work still queued or in flight (a gap fill waiting for the store, a
   * publish waiting for its turn) publishes nothing more. The gateway retires a feed when the last
   * local socket stops watching; sockets that watch again get a new feed, and without this the old
   * feed's late publishes would interleave with the new one's (a seq arriving after a higher one).
   */
  retire(): void {
    this.retired = true;
    this.recent = null;
  }

  offer(message: Message): Promise<void> {
    this.chain = this.chain.then(() => this.take(message)).catch(this.onError);
    return this.chain;
  }

  private async take(m: Message): Promise<void> {
    if (this.retired) return;
    if (this.lastSeq === undefined) this.lastSeq = m.seq - 1; // first copy since a local socket joined
    if (m.seq <= this.lastSeq) return;
    const gap = m.seq - this.lastSeq - 1;
    if (gap > 0 && gap <= MAX_GAP_FILL) {
      let missing: Message[] = [];
      try {
        missing = await this.backfill(this.conversationId, this.lastSeq, gap);
      } catch (err) {
        this.onError(err); // publish what we have: clients see the gap and sync themselves
      }
      for (const x of missing) {
        if (this.retired) return;
        if (x.seq > this.lastSeq && x.seq < m.seq) {
          this.lastSeq = x.seq;
          this.remember(x);
          await this.publish(x);
        }
      }
    }
    if (this.retired) return;
    this.lastSeq = m.seq;
    this.remember(m);
    await this.publish(m);
  }

  /** Called just before a publish: RecentMessages itself starts over when a seq was skipped. */
  private remember(m: Message): void {
    if (!this.retain()) {
      this.recent = null;
      return;
    }
    this.recent ??= new RecentMessages(this.recentCapacity);
    this.recent.push(m);
  }
}
