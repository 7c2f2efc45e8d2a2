export interface CallBatcherOptions {
  /** How long the first queued item waits for company (default 2 ms). */
  windowMs?: number;
  /** A batch goes at once when it reaches this many items (default 256). */
  maxItems?: number;
}

/**
 * Coalesces many small calls into one: items queued within `windowMs` of the first (at most
 * `maxItems`) go to `flush` together, which answers one result per item, in order. A failed flush
 * fails every item of its batch. Items are sent in the order they were added, so a change and its
 * undo (a connect and the disconnect after it) never cross.
 *
 * Used where a per-connection gRPC call costs more than the work it carries: in a reconnect storm a
 * gateway sends one call per few hundred sockets instead of one per socket.
 */
export class CallBatcher<In, Out> {
  private readonly windowMs: number;
  private readonly maxItems: number;
  private queue: Array<{ item: In; resolve: (out: Out) => void; reject: (err: unknown) => void }> = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly flush: (items: In[]) => Promise<Out[]>,
    options: CallBatcherOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 2;
    this.maxItems = options.maxItems ?? 256;
    if (!Number.isFinite(this.windowMs) || this.windowMs < 0) throw new RangeError('windowMs must be >= 0');
    if (!Number.isInteger(this.maxItems) || this.maxItems < 1) throw new RangeError('maxItems must be a positive integer');
  }

  add(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.maxItems) this.send();
      else if (!this.timer) this.timer = setTimeout(() => this.send(), this.windowMs);
    });
  }

  /** Items waiting for their batch. */
  get pending(): number {
    return this.queue.length;
  }

  private send(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    let result: Promise<Out[]>;
    try {
      result = this.flush(batch.map((b) => b.item));
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(
      (outs) => {
        if (outs.length !== batch.length) {
          const err = new Error(`batch of ${batch.length} answered with ${outs.length} results`);
          for (const b of batch) b.reject(err);
          return;
        }
        batch.forEach((b, i) => b.resolve(outs[i]));
      },
      (err: unknown) => {
        for (const b of batch) b.reject(err);
      },
    );
  }
}
