import { CloseCode } from '@parley/protocol';
import { connectionOf, Socket } from './connection';

/**
 * How the per-socket send-buffer bound holds, so that a slow reader gets 4408 and not a bare drop.
 *
 * uWS writes a topic publish into its subscribers' buffers later, when it drains its topic tree
 * (once per event-loop turn), so no one can look at a socket at the instant it crosses the bound.
 * The gateway looks instead:
 * - after each turn that published a message, at the sockets of that conversation, when this
 *   gateway holds at most CHEAP_CHECK_MAX_SOCKETS of them (bounded work per message, never per member);
 * - at every socket every SWEEP_INTERVAL_MS (large conversations, and typing/read/presence frames).
 * Delivery publishes at most PUBLISH_BYTES_PER_TURN of messages per turn (delivery/turn-budget.ts),
 * so a large fanout batch or gap fill is looked at between slices.
 * uWS's own limit (`maxBackpressure` with `closeOnBackpressureLimit`) is only the memory backstop:
 * it closes without a close code, and a close frame queued past it is dropped, so it sits a wide
 * margin above the bound and catches only a socket that outran the checks: in a conversation with
 * more than CHEAP_CHECK_MAX_SOCKETS sockets here, one whose buffer grew by more than the margin
 * within one sweep interval (over 4 MiB/s at the minimum margin).
 */
export const SWEEP_INTERVAL_MS = 250;
export const CHEAP_CHECK_MAX_SOCKETS = 64;
const MIN_BACKSTOP_MARGIN_BYTES = 1024 * 1024;

/** The uWS `maxBackpressure` for a bound: the bound plus a margin of at least 1 MiB. */
export const backstopBytes = (maxBufferedBytes: number): number => maxBufferedBytes + Math.max(maxBufferedBytes, MIN_BACKSTOP_MARGIN_BYTES);

/**
 * Every direct write to a socket goes through here so the send-buffer bound holds: a socket whose
 * buffered bytes pass the bound is closed with 4408 instead of growing without limit. The close
 * frame queues behind what is buffered, so the client sees it once it has read its backlog.
 */
export class SocketWriter {
  /** Sockets to check once uWS has drained this turn's publishes; at most every open socket. */
  private readonly pending = new Set<Socket>();
  private flushScheduled = false;
  /**
   * Whether a topic publish happened since the last sweep took this flag. A direct write (`send`)
   * does not set it: `send` checks its own socket at once, so the hellos of a connect storm do not
   * make every sweep walk every socket.
   */
  private wrote = false;

  constructor(private readonly maxBufferedBytes: number) {}

  /** A topic publish happened: socket buffers may have grown. */
  noteWrite(): void {
    this.wrote = true;
  }

  /**
   * True when a topic publish happened since the last call. Buffers only grow through writes, and a
   * direct write is checked where it happens, so a sweep that finds no publish since the last one
   * has nothing to find: idle gateways, and gateways only greeting new sockets, pay nothing.
   */
  takeWrites(): boolean {
    const w = this.wrote;
    this.wrote = false;
    return w;
  }

  send(ws: Socket, frame: object): void {
    const d = connectionOf(ws);
    if (!d.open) return;
    ws.cork(() => {
      ws.send(JSON.stringify(frame), false, false);
    });
    this.enforceBound(ws);
  }

  /** Closes slow consumers; called after sends and from the periodic sweep (topic publishes). */
  enforceBound(ws: Socket): boolean {
    const d = connectionOf(ws);
    if (d.open && ws.getBufferedAmount() > this.maxBufferedBytes) {
      this.close(ws, CloseCode.SLOW_CONSUMER, 'send buffer full');
      return true;
    }
    return false;
  }

  /**
   * Checks these sockets after a topic publish reached them. uWS drains its topic tree in its loop
   * hooks, before Node's check phase, so a setImmediate callback sees the publish in their buffers.
   */
  enforceBoundSoon(sockets: Iterable<Socket>): void {
    for (const ws of sockets) this.pending.add(ws);
    if (this.flushScheduled || this.pending.size === 0) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const due = [...this.pending];
      this.pending.clear();
      for (const ws of due) this.enforceBound(ws);
    });
  }

  close(ws: Socket, code: number, reason: string): void {
    const d = connectionOf(ws);
    if (!d.open) return;
    d.open = false;
    ws.end(code, reason);
  }
}
