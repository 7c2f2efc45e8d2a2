import { CloseCode } from '@parley/protocol';
import { Socket } from './connection';

/**
 * Every direct write to a socket goes through here so the send-buffer bound holds: a socket whose
 * buffered bytes pass the bound is closed with 4408 instead of growing without limit.
 */
export class SocketWriter {
  constructor(private readonly maxBufferedBytes: number) {}

  send(ws: Socket, frame: object): void {
    const d = ws.getUserData();
    if (!d.open) return;
    ws.cork(() => {
      ws.send(JSON.stringify(frame), false, false);
    });
    this.enforceBound(ws);
  }

  /** Closes slow consumers; called after sends and from the periodic sweep (topic publishes). */
  enforceBound(ws: Socket): boolean {
    const d = ws.getUserData();
    if (d.open && ws.getBufferedAmount() > this.maxBufferedBytes) {
      this.close(ws, CloseCode.SLOW_CONSUMER, 'send buffer full');
      return true;
    }
    return false;
  }

  close(ws: Socket, code: number, reason: string): void {
    const d = ws.getUserData();
    if (!d.open) return;
    d.open = false;
    ws.end(code, reason);
  }
}
