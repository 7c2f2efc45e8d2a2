/**
 * A gateway's drain on SIGTERM (the caller has already turned it not-ready and refuses upgrades):
 * its sockets are closed with 1012 in batches spread evenly over the drain window, so their
 * clients reconnect to the other gateways a few at a time rather than all at once. Before a socket
 * is closed, its sends still waiting for their persisted ack get a bounded time to be answered,
 * so a client sees the ack rather than re-sending (its re-send would be idempotent anyway).
 */
export interface DrainTarget<S> {
  isOpen(socket: S): boolean;
  pendingAcks(socket: S): number;
  /** Closes with 1012 (service restart). */
  close(socket: S): void;
}

export interface DrainResult {
  /** Sockets this drain closed. */
  closed: number;
  /** Of those, closed with acks still pending after the flush bound. */
  closedWithPendingAcks: number;
}

const BATCH_STEP_MS = 50;
const FLUSH_POLL_MS = 20;

/** How long a socket may wait for its pending acks, and over how long the closes are spread. */
export function drainPlan(windowMs: number): { flushMs: number; spreadMs: number } {
  const flushMs = Math.min(2000, Math.max(250, Math.round(windowMs * 0.2)));
  return { flushMs, spreadMs: Math.max(0, windowMs - flushMs) };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export async function drainSockets<S>(sockets: readonly S[], windowMs: number, target: DrainTarget<S>): Promise<DrainResult> {
  const { flushMs, spreadMs } = drainPlan(windowMs);
  const result: DrainResult = { closed: 0, closedWithPendingAcks: 0 };
  if (sockets.length === 0) return result;
  const steps = spreadMs > 0 ? Math.min(sockets.length, Math.max(1, Math.floor(spreadMs / BATCH_STEP_MS))) : 1;
  const perStep = Math.ceil(sockets.length / steps);
  const start = Date.now();
  const closing: Promise<void>[] = [];

  const closeWhenFlushed = async (socket: S): Promise<void> => {
    const deadline = Date.now() + flushMs;
    while (target.isOpen(socket) && target.pendingAcks(socket) > 0 && Date.now() < deadline) await sleep(FLUSH_POLL_MS);
    if (!target.isOpen(socket)) return;
    if (target.pendingAcks(socket) > 0) result.closedWithPendingAcks++;
    result.closed++;
    target.close(socket);
  };

  for (let step = 0; step * perStep < sockets.length; step++) {
    await sleep(start + (step * spreadMs) / steps - Date.now());
    for (const socket of sockets.slice(step * perStep, (step + 1) * perStep)) closing.push(closeWhenFlushed(socket));
  }
  await Promise.all(closing);
  return result;
}
