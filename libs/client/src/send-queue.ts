import { AckFrame, AckPersistedFrame, ClientFrame, Limits } from '@parley/protocol';
import { ParleyClientError } from './errors';
import { ParleyClientOptions, PersistedAck } from './client-types';
import { unref } from './waiter';

/** What the queue needs from the client's socket. */
export interface SendLink {
  /** Puts a frame on the open socket; false when there is none. */
  sendFrame(frame: ClientFrame): boolean;
  /** True when sends may go out now: a hello came and the resume's syncs are done. */
  canSend(): boolean;
}

interface PendingSend {
  conversationId: string;
  clientMsgId: string;
  /** What goes on the wire (again after a reconnect): a send, or an edit, delete or react frame. */
  frame: ClientFrame;
  /** queued: waiting for a usable socket; sent: on the wire; received: the server holds it durably. */
  status: 'queued' | 'sent' | 'received';
  resolve: (ack: PersistedAck) => void;
  reject: (error: ParleyClientError) => void;
  timer: ReturnType<typeof setTimeout>;
  /** Next resend on the same socket (resendAfterMs), while the send is on the wire unacknowledged. */
  resendTimer?: ReturnType<typeof setTimeout>;
  /** Resends on the current socket so far (the wait doubles with each). */
  resends: number;
}

function newClientMsgId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  throw new ParleyClientError('VALIDATION_FAILED', 'crypto.randomUUID is unavailable: pass clientMsgId');
}

/**
 * The client's unpersisted sends (and edits, deletes, reactions), keyed by client_msg_id: bounded,
 * each with its timeout, re-sent on the same socket when the persisted ack is late (doubling) and
 * again after a reconnect with the same client_msg_id, until persisted, refused, timed out or closed.
 */
export class SendQueue {
  private readonly pending = new Map<string, PendingSend>();

  constructor(
    private readonly options: Pick<ParleyClientOptions, 'sendTimeoutMs' | 'maxPendingSends' | 'resendAfterMs'>,
    private readonly link: SendLink,
  ) {}

  /** Queues a frame built for its client_msg_id; `accepting` is false once the client is closed. */
  enqueue(conversationId: string, requestedId: string | undefined, frameOf: (clientMsgId: string) => ClientFrame, accepting: boolean): Promise<PersistedAck> {
    if (!conversationId || conversationId.length > Limits.ID_MAX) {
      return Promise.reject(new ParleyClientError('VALIDATION_FAILED', 'conversation id is invalid'));
    }
    let clientMsgId: string;
    try {
      clientMsgId = requestedId ?? newClientMsgId();
    } catch (e) {
      return Promise.reject(e);
    }
    if (clientMsgId.length < 1 || clientMsgId.length > Limits.CLIENT_MSG_ID_MAX) {
      return Promise.reject(new ParleyClientError('VALIDATION_FAILED', `client_msg_id must be 1 to ${Limits.CLIENT_MSG_ID_MAX} characters`, clientMsgId));
    }
    if (!accepting) return Promise.reject(new ParleyClientError('CLOSED', 'client is not connected; call connect() first', clientMsgId));
    if (this.pending.has(clientMsgId)) {
      return Promise.reject(new ParleyClientError('VALIDATION_FAILED', 'a send with this client_msg_id is already pending', clientMsgId));
    }
    const max = this.options.maxPendingSends ?? 1000;
    if (this.pending.size >= max) {
      return Promise.reject(new ParleyClientError('QUEUE_FULL', `${max} sends are already pending`, clientMsgId));
    }
    return new Promise<PersistedAck>((resolve, reject) => {
      const timeoutMs = this.options.sendTimeoutMs ?? 30_000;
      const p: PendingSend = {
        conversationId,
        clientMsgId,
        frame: frameOf(clientMsgId),
        status: 'queued',
        resolve,
        reject,
        resends: 0,
        timer: setTimeout(() => this.settle(p, new ParleyClientError('TIMEOUT', `send not persisted within ${timeoutMs} ms`, clientMsgId)), timeoutMs),
      };
      unref(p.timer);
      this.pending.set(clientMsgId, p);
      if (this.link.canSend()) this.transmit(p);
    });
  }

  /** After a resume: everything still queued goes out, in the order it was sent. */
  transmitQueued(): void {
    for (const p of this.pending.values()) {
      if (p.status === 'queued') this.transmit(p);
    }
  }

  /** The socket is gone: every pending send waits for the next one. */
  requeueAll(): void {
    for (const p of this.pending.values()) {
      p.status = 'queued';
      p.resends = 0;
    }
  }

  failAll(error: ParleyClientError): void {
    for (const p of [...this.pending.values()]) this.settle(p, error);
  }

  onAck(frame: AckFrame): void {
    const p = this.pending.get(frame.client_msg_id);
    if (!p || p.conversationId !== frame.conversation_id) return;
    if (frame.status === 'received') {
      p.status = 'received';
      return;
    }
    this.settle(p, frame);
  }

  /**
   * An error frame naming `error.client_msg_id`: settles that send and returns true, or returns false
   * when the app should see the error instead (no such send, or an UNAVAILABLE send that waits for
   * its scheduled resend: the server could not take it now, e.g. during a log leader's failover).
   */
  onError(error: ParleyClientError): boolean {
    const p = error.client_msg_id === undefined ? undefined : this.pending.get(error.client_msg_id);
    if (!p || (error.code === 'UNAVAILABLE' && p.resendTimer !== undefined)) return false;
    this.settle(p, error);
    return true;
  }

  private transmit(p: PendingSend): void {
    if (!this.link.sendFrame(p.frame)) return;
    p.status = 'sent';
    this.scheduleResend(p);
  }

  /**
   * Sends `p` again on the same socket if its persisted ack has not come within resendAfterMs
   * (doubling). A drop cancels nothing here: the timer finds the send queued and leaves it to the
   * resume, which transmits it again.
   */
  private scheduleResend(p: PendingSend): void {
    const base = this.options.resendAfterMs ?? 5000;
    if (p.resendTimer) clearTimeout(p.resendTimer);
    p.resendTimer = undefined;
    if (base <= 0) return;
    const wait = base * 2 ** Math.min(p.resends, 3);
    p.resendTimer = setTimeout(() => {
      p.resendTimer = undefined;
      if (this.pending.get(p.clientMsgId) !== p || p.status === 'queued' || !this.link.canSend()) return;
      p.resends++;
      this.transmit(p);
    }, wait);
    unref(p.resendTimer);
  }

  private settle(p: PendingSend, outcome: AckPersistedFrame | ParleyClientError): void {
    if (this.pending.get(p.clientMsgId) !== p) return;
    this.pending.delete(p.clientMsgId);
    clearTimeout(p.timer);
    if (p.resendTimer) clearTimeout(p.resendTimer);
    if (outcome instanceof ParleyClientError) {
      p.reject(outcome);
      return;
    }
    p.resolve({
      conversation_id: outcome.conversation_id,
      client_msg_id: outcome.client_msg_id,
      seq: outcome.seq,
      message_id: outcome.message_id,
      created_at: outcome.created_at,
    });
  }
}
