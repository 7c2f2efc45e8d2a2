export interface CallBatcherOptions {
  /** Calls out at once (default 1). While that many are out, new items gather for the next call. */
  maxInFlight?: number;
  /** Items per call at most (default 256). */
  maxItems?: number;
}

/**
 * Coalesces many small calls into one, batching by calls in flight rather than by time: an item
 * added while a call slot is free goes out at the end of the current event-loop turn (with the
 * items added in the same turn); items added while `maxInFlight` calls are out wait, and go
 * together (at most `maxItems` a call) the moment one of them returns. So a trickle pays no wait
 * at all, and the slower the callee, the larger the batches: batching happens exactly when the
 * callee is the bottleneck (docs/adr/0014).
 *
 * `flush` answers one result per item, in order; a failed flush fails every item of its batch.
 * Items go out in the order they were added; with `maxInFlight` 1 a batch is answered before the
 * next leaves, so a change and its undo (a connect and the disconnect after it) never cross.
 */
export class CallBatcher<In, Out> {
  private readonly maxInFlight: number;
  private readonly maxItems: number;
  private queue: Array<{ item: In; resolve: (out: Out) => void; reject: (err: unknown) => void }> = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly flush: (items: In[]) => Promise<Out[]>,
    options: CallBatcherOptions = {},
  ) {
    this.maxInFlight = options.maxInFlight ?? 1;
    this.maxItems = options.maxItems ?? 256;
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) throw new RangeError('maxInFlight must be a positive integer');
    if (!Number.isInteger(this.maxItems) || this.maxItems < 1) throw new RangeError('maxItems must be a positive integer');
  }

  add(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.scheduled || this.inFlight >= this.maxInFlight) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.pump();
      });
    });
  }

  /** Items waiting for their call. */
  get pending(): number {
    return this.queue.length;
  }

  /** Calls out now. */
  get calls(): number {
    return this.inFlight;
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.length <= this.maxItems ? this.queue : this.queue.slice(0, this.maxItems);
      this.queue = batch === this.queue ? [] : this.queue.slice(this.maxItems);
      this.inFlight++;
      void this.send(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async send(batch: Array<{ item: In; resolve: (out: Out) => void; reject: (err: unknown) => void }>): Promise<void> {
    let outs: Out[];
    try {
      outs = await this.flush(batch.map((b) => b.item));
    } catch (err) {
      for (const b of batch) b.reject(err);
      return;
    }
    if (outs.length !== batch.length) {
      const err = new Error(`batch of ${batch.length} answered with ${outs.length} results`);
      for (const b of batch) b.reject(err);
      return;
    }
    batch.forEach((b, i) => b.resolve(outs[i]));
  }
}
