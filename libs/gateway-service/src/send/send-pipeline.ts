import { randomUUID } from 'node:crypto';
import { DomainError, Message } from '@parley/domain';
import { formatTraceparent, newTrace } from '@parley/observability';
import { EventLog, IngressSend, Topics } from '@parley/ports';

export type SendOutcome =
  | { kind: 'persisted'; message: Message; created: boolean }
  | { kind: 'rejected'; code: 'FORBIDDEN' | 'VALIDATION_FAILED'; message: string };

interface RestWaiter {
  resolve(outcome: SendOutcome): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * The gateway's half of the message path: publish the send to the ingress log (durable before
 * `received`), and route the sequencer's answer back to whoever waits for it. A WebSocket send's
 * origin ref is its connection id; a REST send's is a one-off request id with a bounded wait.
 */
export class SendPipeline {
  private readonly restWaiters = new Map<string, RestWaiter>();

  constructor(
    private readonly gatewayId: string,
    private readonly log: EventLog,
    private readonly maxRestWaiters = 10_000,
  ) {}

  /** Resolves once the send is durably in the ingress log (the `received` ack). */
  async publish(senderId: string, conversationId: string, clientMsgId: string, text: string, ref: string, headers: Record<string, string> = {}): Promise<void> {
    const send: IngressSend = {
      type: 'send',
      conversation_id: conversationId,
      sender_id: senderId,
      client_msg_id: clientMsgId,
      body: { text },
      origin: { gateway_id: this.gatewayId, ref },
      received_at: new Date().toISOString(),
    };
    // One message, one trace: the context starts here and rides the Kafka headers to the last delivery.
    const traced = headers.traceparent ? headers : { ...headers, traceparent: formatTraceparent(newTrace()) };
    await this.log.append(Topics.ingress, conversationId, send, traced);
  }

  /** REST: publish, then wait for the persisted (or rejected) answer, at most timeoutMs. */
  async sendAndWait(senderId: string, conversationId: string, clientMsgId: string, text: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<SendOutcome> {
    if (this.restWaiters.size >= this.maxRestWaiters) throw new DomainError('RATE_LIMITED', 'too many sends in flight');
    const ref = `rest:${randomUUID()}`;
    const outcome = new Promise<SendOutcome>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.restWaiters.delete(ref);
        reject(new DomainError('UNAVAILABLE', 'the message was accepted but not yet stored; retry with the same client_msg_id'));
      }, timeoutMs);
      this.restWaiters.set(ref, { resolve, reject, timer });
    });
    try {
      await this.publish(senderId, conversationId, clientMsgId, text, ref, headers);
    } catch (e) {
      this.settle(ref, null);
      throw e;
    }
    return outcome;
  }

  /** Hands an outcome to a waiting REST request; false when the ref is not a REST waiter here. */
  settle(ref: string, outcome: SendOutcome | null): boolean {
    const w = this.restWaiters.get(ref);
    if (!w) return false;
    this.restWaiters.delete(ref);
    clearTimeout(w.timer);
    if (outcome) w.resolve(outcome);
    return true;
  }

  /** Answers every waiting REST send (503: retry with the same client_msg_id elsewhere). */
  close(): void {
    for (const w of this.restWaiters.values()) {
      clearTimeout(w.timer);
      w.reject(new DomainError('UNAVAILABLE', 'the server is shutting down; retry with the same client_msg_id'));
    }
    this.restWaiters.clear();
  }
}
