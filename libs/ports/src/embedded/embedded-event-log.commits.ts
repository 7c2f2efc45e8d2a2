import { CommitRow, EventLogTables } from './embedded-event-log.tables';

/**
 * The consumer groups' positions waiting to be written to `log_offsets`. A partition loop marks
 * its position once its handler has finished a batch; the marks of every group and partition are
 * written together, in one statement, every `intervalMs` and whenever a loop stops (so the next
 * owner of a partition starts right after the last handled record). A crash loses at most the
 * marks of one interval: those records are delivered again, which at-least-once delivery allows
 * (every consumer is idempotent), and nothing is ever committed before it was handled.
 * With `intervalMs` 0 nothing is timed: the loop writes each batch's commit itself (flush()).
 */
export class OffsetCommitter {
  private readonly marked = new Map<string, CommitRow>();
  private flushing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout | null;

  constructor(
    private readonly tables: EventLogTables,
    intervalMs: number,
    onError: (error: unknown) => void,
  ) {
    this.timer = intervalMs > 0 ? setInterval(() => {
      if (this.marked.size > 0 && !this.flushing) this.flush().catch(onError);
    }, intervalMs) : null;
    this.timer?.unref();
  }

  /** The group has handled every record of the partition up to `offset` (a lower mark is ignored). */
  mark(group: string, topic: string, partition: number, offset: bigint): void {
    const id = `${group}\u0000${topic}\u0000${partition}`;
    const current = this.marked.get(id);
    if (!current || current.offset < offset) this.marked.set(id, { group, topic, partition, offset });
  }

  /**
   * Writes every mark made before the call; settles once they are committed (or rejects, and the
   * marks are kept for the next flush). One write at a time.
   */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing.catch(() => undefined);
    if (this.marked.size === 0) return;
    const rows = [...this.marked.values()];
    this.marked.clear();
    this.flushing = this.tables
      .commit(rows)
      .catch((error: unknown) => {
        for (const row of rows) this.mark(row.group, row.topic, row.partition, row.offset);
        throw error;
      })
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }

  /** Stops the timer; marks still pending are written by the loops' own final flushes. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
