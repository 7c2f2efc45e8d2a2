import { randomUUID } from 'node:crypto';
import { Message, SendGate, SendRefusal } from '@parley/domain';
import type { Context, Span } from '@opentelemetry/api';
import { contextFrom, contextOf, failSpan, inSpan, linksFrom, messagingAttributes, SpanKind, traceHeaders } from '@parley/observability';
import { ConversationEvent, EventLog, IngressSend, LogRecord, MessageStore, Topics } from '@parley/ports';
import { ConversationRepository } from '../storage/conversation.repository';
import { SendClaim, SendClaimsRepository, claimKey } from '../storage/send-claims.repository';
import { StoreReadOp } from '../storage/store-reads';
import { LifecycleOps, OpSend, storedOriginal } from './lifecycle-ops';
import { SendGates } from '../moderation/send-gates';

export const SEQUENCER_GROUP = 'parley-messaging-sequencer';
const PLAIN_REMEMBERED = 100_000;

/** Counts the sequencer reports (metrics). */
/** Resolves a text's `@username` mentions into the ids of members of the conversation. */
export type MentionResolver = (conversationId: string, text: string) => Promise<string[]>;

export interface SequencerStats {
  onMalformed(): void;
  /** A query to the message store (the original of a repeated send). */
  onStoreRead?(op: StoreReadOp): void;
  /** A message written to the message store, and how long the write took. */
  onStoreWrite?(seconds: number): void;
  /** Sends of one conversation claimed together (one claim statement). */
  onClaimBatch?(sends: number): void;
}

interface Pending {
  send: IngressSend;
  headers: Record<string, string>;
  /** Issue 14: the user behind `send.sender_id` when aliasSenders replaced it with their pseudonym. */
  userId?: string;
}

interface Outcome {
  message: Message;
  /** True when this batch stored the message (a first send, or a claim whose write was cut short). */
  created: boolean;
}

/**
 * Sequences the sends of the ingress partitions this instance owns. A batch is cut by
 * conversation; each conversation's sends, in partition order, go through:
 *   1. one membership read for the batch's senders: a non-member's send is rejected (send.rejected
 *      to the origin gateway, nothing stored);
 *   2. one claim statement for the batch (SendClaimsRepository.claimBatch): a repeated
 *      (sender, conversation, client_msg_id) gets its original seq and id, a new one the
 *      conversation's next seq;
 *   3. the new messages written to the message store without a read (insertClaimed: the claims
 *      made them theirs); only a repeat reads the store, for the original it must answer with;
 *   4. message.created for every send (and send.rejected), appended in partition order and sent
 *      together (the event log groups concurrent appends into one request).
 * The ingress offset is committed only after all of that. Any step may be repeated after a crash
 * or a takeover and yields the same seq, id and row; docs/adr/0003-sequencer-takeover.md argues it.
 */
export class ConversationSequencer {
  /** Conversations known not to be anonymous (bounded; forgetting one only costs a read). */
  private readonly plain = new Set<string>();

  constructor(
    private readonly repo: ConversationRepository,
    private readonly claims: SendClaimsRepository,
    private readonly messages: MessageStore,
    private readonly log: EventLog,
    private readonly stats: SequencerStats = { onMalformed: () => undefined },
    private readonly mentions: MentionResolver = async () => [],
    /** Edits, deletes, reactions and reply checks (issue 13); without it they are refused. */
    private readonly ops: LifecycleOps | null = null,
    /** Announcement conversations, mutes and slow mode (issue 13.4, docs/adr/0017-moderation.md). */
    private readonly gates: SendGates = new SendGates(),
  ) {}

  /**
   * Conversations of one batch go on side by side; each one's sends stay in partition order. When
   * any conversation fails, the batch fails (after the others settle) and is handled again from its
   * first record: every step is idempotent, so the ones that had finished repeat as no-ops with the
   * same seq and id.
   */
  async handleBatch(records: LogRecord<IngressSend>[]): Promise<void> {
    const byConversation = new Map<string, Pending[]>();
    for (const r of records) {
      if (!isIngressSend(r.value)) {
        this.stats.onMalformed(); // gateways validate what they publish; a foreign record is skipped, counted
        continue;
      }
      const pending = { send: r.value, headers: r.headers };
      const list = byConversation.get(r.value.conversation_id);
      if (list) list.push(pending);
      else byConversation.set(r.value.conversation_id, [pending]);
    }
    const results = await Promise.allSettled([...byConversation].map(([id, list]) => this.handleConversation(id, list)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * One conversation's part of a batch. Each send is one step of its message's trace
   * (docs/adr/0007-tracing.md): a CONSUMER span under its record's context, inside which its event
   * is appended, so the trace goes on to fanout. The batch's shared statements (membership, the
   * claim, the store write) are one span in the first send's trace, linked to the others.
   */
  private async handleConversation(conversationId: string, records: Pending[]): Promise<void> {
    await this.aliasSenders(conversationId, records);
    // A lifecycle operation (edit, delete, reaction) goes alone, between the runs of sends around
    // it, so the conversation's records keep their partition order (docs/adr/0010).
    let run: Pending[] = [];
    for (const p of records) {
      if (!p.send.op) {
        run.push(p);
        continue;
      }
      if (run.length > 0) await this.handleSends(conversationId, run);
      run = [];
      await this.handleOp(conversationId, p as Pending & { send: OpSend });
    }
    if (run.length > 0) await this.handleSends(conversationId, run);
  }

  /**
   * Issue 14 (docs/adr/0016): in an anonymous group an anonymous member's sends and operations are
   * sequenced under their participant id, so the claim, the stored message, its events and every
   * "is this mine" check see only the pseudonym. Whether a conversation is anonymous never
   * changes, so a plain one is remembered and costs no read again.
   */
  private async aliasSenders(conversationId: string, records: Pending[]): Promise<void> {
    if (this.plain.has(conversationId)) return;
    const aliases = await this.repo.senderAliases(conversationId, [...new Set(records.map((p) => p.send.sender_id))]);
    if (aliases === null) {
      if (this.plain.size >= PLAIN_REMEMBERED) this.plain.clear();
      this.plain.add(conversationId);
      return;
    }
    for (const p of records) {
      const alias = aliases.get(p.send.sender_id);
      if (alias) Object.assign(p, { userId: p.send.sender_id, send: { ...p.send, sender_id: alias } });
    }
  }

  private handleOp(conversationId: string, { send, headers }: Pending & { send: OpSend }): Promise<void> {
    const attributes = messagingAttributes('process', Topics.ingress, {
      'messaging.consumer.group.name': SEQUENCER_GROUP,
      'parley.conversation_id': conversationId,
      'parley.client_msg_id': send.client_msg_id,
      'parley.op': send.op.kind,
    });
    return inSpan(`process ${Topics.ingress}`, { kind: SpanKind.CONSUMER, parent: contextFrom(headers.traceparent), attributes }, async (span) => {
      const event: ConversationEvent = this.ops
        ? await this.ops.handle(conversationId, send)
        : { type: 'send.rejected', conversation_id: conversationId, client_msg_id: send.client_msg_id, code: 'VALIDATION_FAILED', message: 'message lifecycle is not enabled', origin: send.origin };
      return this.emit(conversationId, event, span);
    });
  }

  private async handleSends(conversationId: string, sends: Pending[]): Promise<void> {
    const batch = this.claimAndStore(conversationId, sends);
    batch.catch(() => undefined); // every send's span awaits it below
    const announced = new Set<string>();
    await Promise.all(sends.map(({ send, headers, userId }) => {
      const attributes = () => messagingAttributes('process', Topics.ingress, {
        'messaging.consumer.group.name': SEQUENCER_GROUP,
        'parley.conversation_id': conversationId,
        'parley.client_msg_id': send.client_msg_id,
      });
      return inSpan(`process ${Topics.ingress}`, { kind: SpanKind.CONSUMER, parent: contextFrom(headers.traceparent), attributes }, async (span) => {
        const { members, outcomes, badReplies, refused } = await batch;
        if (members.has(send.sender_id) && send.reply_to !== undefined && badReplies.has(send.reply_to)) {
          failSpan(span, null, 'VALIDATION_FAILED: reply_to');
          return this.emit(conversationId, {
            type: 'send.rejected',
            conversation_id: conversationId,
            client_msg_id: send.client_msg_id,
            code: 'VALIDATION_FAILED',
            message: `reply_to ${send.reply_to} names no message of this conversation`,
            origin: send.origin,
          }, span);
        }
        if (!members.has(send.sender_id)) {
          failSpan(span, null, 'FORBIDDEN: not a member of this conversation');
          return this.emit(conversationId, {
            type: 'send.rejected',
            conversation_id: conversationId,
            client_msg_id: send.client_msg_id,
            code: 'FORBIDDEN',
            message: 'not a member of this conversation',
            origin: send.origin,
          }, span);
        }
        const refusal = refused.get(send);
        if (refusal) {
          failSpan(span, null, `${refusal.code}: ${refusal.message}`);
          return this.emit(conversationId, {
            type: 'send.rejected',
            conversation_id: conversationId,
            client_msg_id: send.client_msg_id,
            code: refusal.code,
            message: refusal.message,
            origin: send.origin,
            ...(refusal.retry_after !== undefined ? { retry_after: refusal.retry_after } : {}),
          }, span);
        }
        const key = claimKey(send.sender_id, send.client_msg_id);
        const outcome = outcomes.get(key) as Outcome;
        span.setAttribute('parley.seq', outcome.message.seq);
        const first = !announced.has(key);
        announced.add(key);
        const behind = userId ? { sender_user_id: userId } : {};
        return this.emit(conversationId, { type: 'message.created', message: outcome.message, origin: send.origin, created: outcome.created && first, ...behind }, span);
      });
    }));
  }

  /**
   * Membership of the senders (with their rank and mute and the conversation's moderation
   * settings, in the same read), one claim statement for the batch, then the new messages stored.
   */
  private claimAndStore(conversationId: string, sends: Pending[]): Promise<{ members: Set<string>; outcomes: Map<string, Outcome>; badReplies: Set<number>; refused: Map<IngressSend, SendRefusal> }> {
    const [first, ...rest] = sends;
    const options = {
      parent: contextFrom(first.headers.traceparent),
      links: () => linksFrom(rest.map((p) => p.headers.traceparent)),
      attributes: { 'parley.conversation_id': conversationId, 'messaging.batch.message_count': sends.length },
    };
    this.stats.onClaimBatch?.(sends.length);
    return inSpan('claim seq', options, async (span) => {
      const gates = await this.repo.sendGates(conversationId, [...new Set(sends.map((p) => p.send.sender_id))]);
      const members = new Set(gates.keys());
      const replyTargets = sends.flatMap((p) => (members.has(p.send.sender_id) && p.send.reply_to !== undefined ? [p.send.reply_to] : []));
      const badReplies = replyTargets.length === 0 ? new Set<number>() : this.ops ? await this.ops.badReplyTargets(conversationId, replyTargets) : new Set(replyTargets);
      const valid = sends.filter((p) => members.has(p.send.sender_id) && !(p.send.reply_to !== undefined && badReplies.has(p.send.reply_to)));
      const { refused, pending } = await this.admit(conversationId, valid, gates);
      const accepted = valid.filter((p) => !refused.has(p.send));
      const claims = await this.claims.claimBatch(
        conversationId,
        accepted.map(({ send }) => ({ sender_id: send.sender_id, client_msg_id: send.client_msg_id, message_id: randomUUID() })),
        new Date().toISOString(),
      );
      const outcomes = await this.settle(conversationId, accepted, claims, contextOf(span));
      this.gates.commit(pending);
      return { members, outcomes, badReplies, refused };
    });
  }

  /**
   * The sends the moderation gates refuse, in partition order (docs/adr/0017-moderation.md). A
   * repeat of a send already claimed is never refused: it gets its original, as always.
   */
  private async admit(conversationId: string, sends: Pending[], gates: Map<string, SendGate>): Promise<{ refused: Map<IngressSend, SendRefusal>; pending: Map<string, number> }> {
    const refused = new Map<IngressSend, SendRefusal>();
    const pending = new Map<string, number>();
    const admitted = new Set<string>();
    for (const { send } of sends) {
      const key = claimKey(send.sender_id, send.client_msg_id);
      if (admitted.has(key)) continue;
      const refusal = this.gates.admit(conversationId, send.sender_id, gates.get(send.sender_id) as SendGate, pending);
      if (refusal && !(await this.claims.isClaimed(conversationId, send.sender_id, send.client_msg_id))) refused.set(send, refusal);
      else admitted.add(key);
    }
    return { refused, pending };
  }

  /**
   * The message each distinct send stands for, with the ones to store written. A new claim's
   * message is built from its ingress record; a repeat finds the stored original (its body wins),
   * and a claim whose write was cut short by a crash is completed from this record.
   */
  private async settle(conversationId: string, accepted: Pending[], claims: Map<string, SendClaim>, claim: Context): Promise<Map<string, Outcome>> {
    const outcomes = new Map<string, Outcome>();
    const repeats: Array<{ key: string; send: IngressSend; claim: SendClaim }> = [];
    const seen = new Set<string>();
    for (const { send } of accepted) {
      const key = claimKey(send.sender_id, send.client_msg_id);
      if (seen.has(key)) continue;
      seen.add(key);
      const claim = claims.get(key) as SendClaim;
      if (claim.created) outcomes.set(key, { message: messageOf(conversationId, send, claim), created: true });
      else repeats.push({ key, send, claim });
    }
    // A repeat's original is at its claim's seq (the ledger gave that seq to this send alone).
    const found = await Promise.all(repeats.map(({ send, claim }) => {
      this.stats.onStoreRead?.('dedupe');
      return storedOriginal(this.messages, conversationId, claim.seq, send.client_msg_id);
    }));
    repeats.forEach(({ key, send, claim }, i) => {
      const stored = found[i];
      outcomes.set(key, stored ? { message: stored, created: false } : { message: messageOf(conversationId, send, claim), created: true });
    });
    const toWrite = [...outcomes.values()].filter((o) => o.created).map((o) => o.message);
    // Resolved once, when the message is written, and kept on it: who a push may reach in a large group.
    await Promise.all(toWrite.map(async (m) => {
      const mentions = (await this.mentions(conversationId, m.body.text)).filter((id) => id !== m.sender_id);
      if (mentions.length > 0) m.mentions = mentions;
    }));
    if (toWrite.length > 0) {
      await this.ops?.indexReplies(conversationId, toWrite);
      const started = performance.now();
      await inSpan('store message', { parent: claim, attributes: { 'messaging.batch.message_count': toWrite.length } }, () => this.messages.insertClaimed(toWrite.sort((a, b) => a.seq - b.seq)));
      this.stats.onStoreWrite?.((performance.now() - started) / 1000);
    }
    return outcomes;
  }

  /** The event goes on in the trace of the span that decided it (named, not taken from the active context). */
  private async emit(conversationId: string, event: ConversationEvent, span: Span): Promise<void> {
    await this.log.append(Topics.events, conversationId, event, traceHeaders(span));
  }
}

/**
 * The message a claim gives this send. A claim whose write was cut short is always a full one
 * (compaction only reaches claims whose message is stored); a compact claim without its message
 * means the store lost a message, and the batch fails loudly rather than invent one.
 */
function messageOf(conversationId: string, send: IngressSend, claim: SendClaim): Message {
  if (claim.message_id === null || claim.created_at === null) {
    throw new Error(`message ${conversationId}#${claim.seq} of a compacted claim is missing from the message store`);
  }
  return {
    id: claim.message_id,
    conversation_id: conversationId,
    seq: claim.seq,
    sender_id: send.sender_id,
    client_msg_id: send.client_msg_id,
    body: send.body.attachments && send.body.attachments.length > 0 ? { text: send.body.text, attachments: send.body.attachments } : { text: send.body.text },
    created_at: claim.created_at,
    ...(send.call ? { call: send.call } : {}),
    ...(send.reply_to !== undefined ? { reply_to: send.reply_to } : {}),
  };
}

function isIngressSend(v: unknown): v is IngressSend {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Partial<IngressSend>;
  return s.type === 'send' && typeof s.conversation_id === 'string' && typeof s.sender_id === 'string'
    && typeof s.client_msg_id === 'string' && typeof s.body?.text === 'string'
    && typeof s.origin?.gateway_id === 'string' && typeof s.origin?.ref === 'string'
    && (s.reply_to === undefined || isSeq(s.reply_to)) && (s.op === undefined || isOp(s.op));
}

const isSeq = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 1;

function isOp(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const op = v as { kind?: unknown; target_seq?: unknown; emoji?: unknown; action?: unknown };
  if (!isSeq(op.target_seq)) return false;
  if (op.kind === 'edit' || op.kind === 'delete') return true;
  return op.kind === 'reaction' && typeof op.emoji === 'string' && (op.action === 'add' || op.action === 'remove');
}
