import { randomUUID } from 'node:crypto';
import { Message } from '@parley/domain';
import { contextFrom, failSpan, inSpan, messagingAttributes, SpanKind } from '@parley/observability';
import { ConversationEvent, EventLog, IngressSend, LogRecord, MessageStore, Topics } from '@parley/ports';
import { ConversationRepository } from '../storage/conversation.repository';
import { SendClaimsRepository } from '../storage/send-claims.repository';
import { StoreReadOp } from '../storage/store-reads';

export const SEQUENCER_GROUP = 'parley-messaging-sequencer';

/** Counts the sequencer reports (metrics). */
export interface SequencerStats {
  onMalformed(): void;
  /** A query to the message store (the original of a repeated send). */
  onStoreRead?(op: StoreReadOp): void;
  /** A message written to the message store, and how long the write took. */
  onStoreWrite?(seconds: number): void;
}

/**
 * Sequences the sends of the ingress partitions this instance owns, in partition order:
 *   1. a non-member's send is rejected (send.rejected to the origin gateway, nothing stored);
 *   2. the send is claimed in the ledger: a repeated (sender, conversation, client_msg_id) gets its
 *      original seq and id, a new one the conversation's next seq (see SendClaimsRepository);
 *   3. the message is written to the message store (idempotent: same row for the same claim);
 *   4. message.created goes to the events topic.
 * The ingress offset is committed only after all of that. Any step may be repeated after a crash
 * or a takeover and yields the same seq, id and row; docs/adr/0003-sequencer-takeover.md argues it.
 */
export class ConversationSequencer {
  constructor(
    private readonly repo: ConversationRepository,
    private readonly claims: SendClaimsRepository,
    private readonly messages: MessageStore,
    private readonly log: EventLog,
    private readonly stats: SequencerStats = { onMalformed: () => undefined },
  ) {}

  /**
   * Conversations of one batch go on side by side; each one's sends stay in partition order. A
   * conversation waiting on its database round trips no longer holds up the others of its
   * partition. When any conversation fails, the batch fails (after the others settle) and is
   * handled again from its first record: every step is idempotent, so the ones that had finished
   * repeat as no-ops with the same seq and id.
   */
  async handleBatch(records: LogRecord<IngressSend>[]): Promise<void> {
    const byConversation = new Map<string, LogRecord<IngressSend>[]>();
    for (const r of records) {
      const key = typeof r.value?.conversation_id === 'string' ? r.value.conversation_id : '';
      const list = byConversation.get(key);
      if (list) list.push(r);
      else byConversation.set(key, [r]);
    }
    const results = await Promise.allSettled(
      [...byConversation.values()].map(async (list) => {
        for (const record of list) await this.traced(record);
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Each send is one step of its message's trace (docs/adr/0007-tracing.md): a span under its record's context. */
  private traced(record: LogRecord<IngressSend>): Promise<void> {
    const send = record.value;
    const attributes = messagingAttributes('process', record.topic, {
      'messaging.consumer.group.name': SEQUENCER_GROUP,
      'messaging.destination.partition.id': String(record.partition),
      'messaging.kafka.offset': Number(record.offset),
      ...(isIngressSend(send) ? { 'parley.conversation_id': send.conversation_id, 'parley.client_msg_id': send.client_msg_id } : {}),
    });
    return inSpan(`process ${record.topic}`, { kind: SpanKind.CONSUMER, parent: contextFrom(record.headers.traceparent), attributes }, (span) =>
      this.handle(send, record.headers, (seq, refused) => {
        if (seq !== undefined) span.setAttribute('parley.seq', seq);
        if (refused) failSpan(span, null, refused);
      }),
    );
  }

  private async handle(send: IngressSend, headers: Record<string, string>, note: (seq?: number, refused?: string) => void = () => undefined): Promise<void> {
    if (!isIngressSend(send)) {
      this.stats.onMalformed(); // gateways validate what they publish; a foreign record is skipped, counted
      return;
    }
    if (!(await this.repo.membership(send.conversation_id, send.sender_id))) {
      note(undefined, 'FORBIDDEN: not a member of this conversation');
      await this.emit(send.conversation_id, {
        type: 'send.rejected',
        conversation_id: send.conversation_id,
        client_msg_id: send.client_msg_id,
        code: 'FORBIDDEN',
        message: 'not a member of this conversation',
        origin: send.origin,
      }, headers);
      return;
    }
    const claim = await inSpan('claim seq', {}, () => this.claims.claim(send.conversation_id, send.sender_id, send.client_msg_id, randomUUID(), new Date().toISOString()));
    note(claim.seq);
    const message: Message = {
      id: claim.message_id,
      conversation_id: send.conversation_id,
      seq: claim.seq,
      sender_id: send.sender_id,
      client_msg_id: send.client_msg_id,
      body: { text: send.body.text },
      created_at: claim.created_at,
    };
    // A repeat finds the stored original (its body wins); a claim whose write was cut short by a
    // crash is completed here from the same ingress record.
    let stored: Message | null = null;
    if (!claim.created) {
      this.stats.onStoreRead?.('dedupe');
      stored = await this.messages.findByClientMsgId(send.conversation_id, send.sender_id, send.client_msg_id);
    }
    if (!stored) {
      const started = performance.now();
      await inSpan('store message', { attributes: { 'parley.seq': message.seq } }, () => this.messages.insert(message));
      this.stats.onStoreWrite?.((performance.now() - started) / 1000);
    }
    await this.emit(send.conversation_id, { type: 'message.created', message: stored ?? message, origin: send.origin, created: claim.created || !stored }, headers);
  }

  private async emit(conversationId: string, event: ConversationEvent, headers: Record<string, string>): Promise<void> {
    const traceparent = headers.traceparent;
    await this.log.append(Topics.events, conversationId, event, traceparent ? { traceparent } : {});
  }
}

function isIngressSend(v: unknown): v is IngressSend {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Partial<IngressSend>;
  return s.type === 'send' && typeof s.conversation_id === 'string' && typeof s.sender_id === 'string'
    && typeof s.client_msg_id === 'string' && typeof s.body?.text === 'string'
    && typeof s.origin?.gateway_id === 'string' && typeof s.origin?.ref === 'string';
}
