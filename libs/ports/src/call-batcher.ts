export interface CallBatcherOptions {
  /** How long the first queued item waits for company (default 2 ms). */
  windowMs?: number;
  /** A batch goes at once when it reaches this many items (default 256). */
  maxItems?: number;
  /**
   * Under a steady stream, the first item may wait up to this long (default `windowMs`: a fixed
   * window) so that its batch gathers about `targetItems`. The wait follows the recent arrival
   * rate: a burst (items back to back) or a trickle too thin to gather two items in this time
   * keeps `windowMs`; a steady stream in between waits `targetItems` arrival intervals.
   */
  maxWindowMs?: number;
  /** What an adaptive window aims a batch at (default 8). */
  targetItems?: number;
  /** Clock in milliseconds (tests pin it; default performance.now). */
  now?: () => number;
}

/**
 * The batching of the calls each new or closed socket makes (session checks, socket setups,
 * presence changes): 2 ms when connections come in bursts or a trickle; up to 20 ms, aiming at 8
 * per call, under a steady stream (100,000 clients connecting over six gateways is ~225 a second
 * each, where a 2 ms window sends one call per socket). A new socket's hello waits at most that.
 */
export const CONNECTION_BATCHING: Readonly<CallBatcherOptions> = { windowMs: 2, maxWindowMs: 20, targetItems: 8 };

/**
 * Coalesces many small calls into one: items queued within `windowMs` of the first (at most
 * `maxItems`) go to `flush` together, which answers one result per item, in order. A failed flush
 * fails every item of its batch. Items are sent in the order they were added, so a change and its
 * undo (a connect and the disconnect after it) never cross.
 *
 * Used where a per-connection gRPC call costs more than the work it carries: in a reconnect storm a
 * gateway sends one call per few hundred sockets instead of one per socket, and (with `maxWindowMs`)
 * while 100,000 clients connect over six gateways, one call per several sockets instead of one each.
 */
export class CallBatcher<In, Out> {
  private readonly windowMs: number;
  private readonly maxItems: number;
  private readonly maxWindowMs: number;
  private readonly targetItems: number;
  private readonly now: () => number;
  /** Smoothed time between two adds, in ms (Infinity until two have been seen). */
  private interval = Number.POSITIVE_INFINITY;
  private lastAddAt = Number.NaN;
  private queue: Array<{ item: In; resolve: (out: Out) => void; reject: (err: unknown) => void }> = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly flush: (items: In[]) => Promise<Out[]>,
    options: CallBatcherOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 2;
    this.maxItems = options.maxItems ?? 256;
    this.maxWindowMs = options.maxWindowMs ?? this.windowMs;
    this.targetItems = options.targetItems ?? 8;
    this.now = options.now ?? (() => performance.now());
    if (!Number.isFinite(this.windowMs) || this.windowMs < 0) throw new RangeError('windowMs must be >= 0');
    if (!Number.isInteger(this.maxItems) || this.maxItems < 1) throw new RangeError('maxItems must be a positive integer');
    if (!Number.isFinite(this.maxWindowMs) || this.maxWindowMs < this.windowMs) throw new RangeError('maxWindowMs must be >= windowMs');
    if (!Number.isInteger(this.targetItems) || this.targetItems < 2) throw new RangeError('targetItems must be an integer >= 2');
  }

  add(item: In): Promise<Out> {
    this.noteArrival();
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.maxItems) this.send();
      else if (!this.timer) this.timer = setTimeout(() => this.send(), this.nextWindowMs());
    });
  }

  /** How long a batch started now waits for company (see `maxWindowMs`). */
  nextWindowMs(): number {
    const wanted = this.targetItems * this.interval;
    if (wanted <= this.windowMs) return this.windowMs;
    if (wanted <= this.maxWindowMs) return wanted;
    return this.maxWindowMs >= 2 * this.interval ? this.maxWindowMs : this.windowMs;
  }

  private noteArrival(): void {
    if (this.maxWindowMs === this.windowMs) return;
    const at = this.now();
    if (!Number.isNaN(this.lastAddAt)) {
      const gap = Math.max(0, at - this.lastAddAt);
      this.interval = Number.isFinite(this.interval) ? this.interval * 0.8 + gap * 0.2 : gap;
    }
    this.lastAddAt = at;
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
