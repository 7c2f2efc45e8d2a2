import { DomainError } from '@parley/domain';

/**
 * Bounds the backend work that sockets start at once (upgrade checks, connection setup, syncs).
 * A reconnect storm — thousands of clients of a dead gateway arriving within a second — then
 * queues here instead of overrunning the services' pools and deadlines; past the queue bound a
 * caller is refused with UNAVAILABLE at once (the client backs off and retries).
 */
export class WorkLimiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly maxInFlight: number,
    private readonly maxQueued: number,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.maxInFlight) {
      if (this.waiting.length >= this.maxQueued) throw new DomainError('UNAVAILABLE', 'the gateway is busy; retry shortly');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // hands its slot over: `running` stays the same
      else this.running--;
    }
  }

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }
}
