import { randomUUID } from 'node:crypto';
import { DomainError, Message, MessageBody } from '@parley/domain';
import { EventLog, IngressSend, RejectCode, Topics } from '@parley/ports';
import type { Histogram } from 'prom-client';
import { KeyedBuckets } from '@parley/ports';

/** Sends still waiting for their persisted ack that are timed (send → persisted); older ones are dropped. */
const MAX_TIMED_SENDS = 50_000;
const TIMED_SEND_TTL_MS = 60_000;

export type SendOutcome =
  | { kind: 'persisted'; message: Message; created: boolean }
  | { kind: 'rejected'; code: RejectCode; message: string; retry_after?: number };

/** What a send may carry besides its text (issue 13): a reply target, or a lifecycle operation. */
export type SendExtras = Pick<IngressSend, 'reply_to' | 'op' | 'call'>;

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
  /** `ref \n client_msg_id` → when the send was published (ms, performance.now()). */
  private readonly timed = new Map<string, number>();
  /** Reactions per user, REST and WebSocket together (issue 13): the fair-share buckets of the edge. */
  private readonly reactions: KeyedBuckets;

  constructor(
    private readonly gatewayId: string,
    private readonly log: EventLog,
    private readonly maxRestWaiters = 10_000,
    private readonly telemetry?: { sendPersistedSeconds: Histogram<string> },
    reactionRatePerSecond = 5,
  ) {
    this.reactions = new KeyedBuckets(reactionRatePerSecond, reactionRatePerSecond * 2);
  }

  /** Whether a user may add or remove a reaction now (one token); false: answer RATE_LIMITED. */
  allowReaction(userId: string): boolean {
    return this.reactions.take(userId);
  }

  /** Resolves once the send is durably in the ingress log (the `received` ack). */
  async publish(senderId: string, conversationId: string, clientMsgId: string, body: MessageBody, ref: string, headers: Record<string, string> = {}, extras: SendExtras = {}): Promise<void> {
    const send: IngressSend = {
      type: 'send',
      conversation_id: conversationId,
      sender_id: senderId,
      client_msg_id: clientMsgId,
      body,
      origin: { gateway_id: this.gatewayId, ref },
      received_at: new Date().toISOString(),
      ...(extras.reply_to !== undefined ? { reply_to: extras.reply_to } : {}),
      ...(extras.op ? { op: extras.op } : {}),
      ...(extras.call ? { call: extras.call } : {}),
    };
    this.startTiming(ref, clientMsgId);
    // One message, one trace: the active span (the WebSocket frame's or the REST request's; else a
    // caller's traceparent header) is the parent of the traced log's producer span, whose context
    // rides the Kafka headers on (TracedEventLog in libs/runtime).
    await this.log.append(Topics.ingress, conversationId, send, headers);
  }

  /** The persisted ack of a send this gateway published is going out: observes send → persisted. */
  persisted(ref: string, clientMsgId: string): void {
    const key = `${ref}\n${clientMsgId}`;
    const at = this.timed.get(key);
    if (at === undefined) return;
    this.timed.delete(key);
    this.telemetry?.sendPersistedSeconds.observe({ transport: ref.startsWith('rest:') ? 'rest' : 'ws' }, (performance.now() - at) / 1000);
  }

  private startTiming(ref: string, clientMsgId: string): void {
    if (!this.telemetry) return;
    if (this.timed.size >= MAX_TIMED_SENDS) {
      const cutoff = performance.now() - TIMED_SEND_TTL_MS;
      for (const [k, at] of this.timed) if (at < cutoff) this.timed.delete(k);
      if (this.timed.size >= MAX_TIMED_SENDS) return; // bounded: this one goes untimed
    }
    const key = `${ref}\n${clientMsgId}`;
    if (!this.timed.has(key)) this.timed.set(key, performance.now());
  }

  /** REST: publish, then wait for the persisted (or rejected) answer, at most timeoutMs. */
  async sendAndWait(senderId: string, conversationId: string, clientMsgId: string, body: MessageBody, timeoutMs: number, headers: Record<string, string> = {}, extras: SendExtras = {}): Promise<SendOutcome> {
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
      await this.publish(senderId, conversationId, clientMsgId, body, ref, headers, extras);
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
    this.timed.clear();
    for (const w of this.restWaiters.values()) {
      clearTimeout(w.timer);
      w.reject(new DomainError('UNAVAILABLE', 'the server is shutting down; retry with the same client_msg_id'));
    }
    this.restWaiters.clear();
  }
}
