import { randomUUID } from 'node:crypto';
import { Message, SequenceCounter } from '@parley/domain';
import { ConversationEvent, EventLog, IngressSend, LogRecord, MessageStore, Topics } from '@parley/ports';
import { ConversationRepository } from '../storage/conversation.repository';

export const SEQUENCER_GROUP = 'parley-messaging-sequencer';

/**
 * The single writer for the conversations of the ingress partitions this instance owns.
 * For each ingress record, in partition order:
 *   1. a non-member's send is rejected (send.rejected to the origin gateway, nothing stored);
 *   2. a repeated (sender, conversation, client_msg_id) is answered with the original message;
 *   3. otherwise the message gets the conversation's next seq, is stored, last_seq moves, and
 *      message.created is appended to the events topic.
 * The ingress offset is committed only after all of that (at-least-once). Reprocessing a record
 * after a crash finds its message by client_msg_id in step 2 and re-emits it: same seq, same id.
 * Takeover safety across processes is argued in docs/adr/0003-sequencer-takeover.md.
 */
export class ConversationSequencer {
  private readonly counter = new SequenceCounter();

  constructor(
    private readonly repo: ConversationRepository,
    private readonly messages: MessageStore,
    private readonly log: EventLog,
  ) {}

  async handleBatch(records: LogRecord<IngressSend>[]): Promise<void> {
    for (const record of records) await this.handle(record.value, record.headers);
  }

  /** Partitions moved: another owner may have written since, so cached seqs are dropped. */
  onPartitionsChanged(): void {
    this.counter.clear();
  }

  private async handle(send: IngressSend, headers: Record<string, string>): Promise<void> {
    if (!isIngressSend(send)) return; // not ours to interpret; the gateway validated what it published
    const membership = await this.repo.membership(send.conversation_id, send.sender_id);
    if (!membership) {
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
    const existing = await this.messages.findByClientMsgId(send.conversation_id, send.sender_id, send.client_msg_id);
    if (existing) {
      await this.emit(send.conversation_id, { type: 'message.created', message: existing, origin: send.origin, created: false }, headers);
      return;
    }
    const seq = await this.nextSeq(send.conversation_id);
    const message: Message = {
      id: randomUUID(),
      conversation_id: send.conversation_id,
      seq,
      sender_id: send.sender_id,
      client_msg_id: send.client_msg_id,
      body: { text: send.body.text },
      created_at: new Date().toISOString(),
    };
    try {
      await this.messages.insert(message);
    } catch (e) {
      this.counter.forget(send.conversation_id); // reload from the store on retry
      throw e;
    }
    this.counter.commit(send.conversation_id, seq);
    await this.repo.recordMessage(send.conversation_id, seq, message.created_at);
    await this.emit(send.conversation_id, { type: 'message.created', message, origin: send.origin, created: true }, headers);
  }

  private async nextSeq(conversationId: string): Promise<number> {
    if (this.counter.known(conversationId) === undefined) {
      this.counter.seed(conversationId, await this.messages.lastSeq(conversationId));
    }
    return this.counter.peekNext(conversationId);
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
