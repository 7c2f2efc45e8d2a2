import { ParleyClientError } from './errors';

/** A request awaiting its answer frame (a sync page's sync.done, a ping's pong), with its timeout. */
export interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: ParleyClientError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Lets Node exit while only this timer is pending (no-op in browsers). */
export function unref(timer: ReturnType<typeof setTimeout>): void {
  const t = timer as { unref?: () => void };
  if (typeof t.unref === 'function') t.unref();
}
