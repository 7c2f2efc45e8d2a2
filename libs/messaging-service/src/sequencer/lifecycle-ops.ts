import { randomUUID } from 'node:crypto';
import { checkDelete, checkEdit, checkLive, checkReplyTarget, DomainError, isLargeGroup, isRank, LargeGroupPolicy, Message, muteRefusal, outranks, tombstone } from '@parley/domain';
import { ConversationEvent, IngressSend, LifecycleOp, MessageStore, RejectCode } from '@parley/ports';
import { ConversationRepository } from '../storage/conversation.repository';
import { LifecycleRepository } from '../storage/lifecycle.repository';
import { claimKey, SendClaimsRepository } from '../storage/send-claims.repository';
import { ModerationRepository } from '../moderation/moderation.repository';

export type OpSend = IngressSend & { op: LifecycleOp };
type Claim = { seq: number; message_id: string | null; created_at: string | null };

const REJECTABLE: ReadonlySet<string> = new Set<RejectCode>(['FORBIDDEN', 'VALIDATION_FAILED', 'NOT_FOUND', 'CONFLICT', 'MUTED']);

/** The stored message at `seq`, or null (one store read). */
export async function messageAt(messages: MessageStore, conversationId: string, seq: number): Promise<Message | null> {
  return seq < 1 ? null : messages.atSeq(conversationId, seq);
}

/**
 * The stored message at a claim's seq, null when its write was cut short. A message of another
 * send there would mean the ledger's invariant broke: refused loudly rather than overwritten.
 */
export async function storedOriginal(messages: MessageStore, conversationId: string, seq: number, clientMsgId: string): Promise<Message | null> {
  const stored = await messages.atSeq(conversationId, seq);
  if (stored && stored.client_msg_id !== clientMsgId) {
    throw new Error(`seq conflict: ${conversationId}#${seq} holds client_msg_id ${stored.client_msg_id}, claimed for ${clientMsgId}`);
  }
  return stored;
}

/**
 * Edits, deletes and reactions (docs/adr/0010-message-lifecycle.md): each one an entry with its
 * own seq in the conversation's stream, taken by the sequencer in partition order, one at a time.
 *
 * 1. A repeat (this (sender, client_msg_id) holds a claim whose entry is stored) is answered with it.
 * 2. A claim without its entry (a crash mid-way) is finished: its checks passed when it was made.
 * 3. Otherwise the operation is checked against the current state (membership, who may, the
 *    target live); a refused one claims nothing (no seq, no gap) and gets send.rejected.
 * 4. It claims a seq, applies its effects (relational rows first, then the target's new state),
 *    and writes its entry last: a stored entry means the effects are there.
 * Every effect is idempotent, and the partition's next record waits for this one, so reprocessing
 * after a crash sees the same state the first run saw.
 */
export class LifecycleOps {
  constructor(
    private readonly repo: ConversationRepository,
    private readonly claims: SendClaimsRepository,
    private readonly lifecycle: LifecycleRepository,
    private readonly messages: MessageStore,
    private readonly largeGroup: LargeGroupPolicy,
    private readonly mentions: (conversationId: string, text: string) => Promise<string[]>,
    /** Issue 13.4: a muted member's edits are refused; a moderator's delete of another's message is audited. */
    private readonly moderation: ModerationRepository | null = null,
  ) {}

  async handle(conversationId: string, send: OpSend): Promise<ConversationEvent> {
    const claimed = await this.lifecycle.claimOf(conversationId, send.sender_id, send.client_msg_id);
    if (claimed) {
      const stored = await storedOriginal(this.messages, conversationId, claimed.seq, send.client_msg_id);
      if (stored) return { type: 'message.created', message: stored, origin: send.origin, created: false };
      return this.created(send, await this.apply(conversationId, send, claimed));
    }
    const ctx = await this.repo.getForMember(conversationId, send.sender_id);
    if (!ctx) return this.rejected(conversationId, send, 'FORBIDDEN', 'not a member of this conversation');
    try {
      await this.check(conversationId, send, ctx.me.role);
    } catch (e) {
      if (e instanceof DomainError && REJECTABLE.has(e.code)) return this.rejected(conversationId, send, e.code as RejectCode, e.message, e.retryAfter);
      throw e;
    }
    const claims = await this.claims.claimBatch(conversationId, [{ sender_id: send.sender_id, client_msg_id: send.client_msg_id, message_id: randomUUID() }], new Date().toISOString());
    return this.created(send, await this.apply(conversationId, send, claims.get(claimKey(send.sender_id, send.client_msg_id)) as Claim));
  }

  /** The reply targets among `seqs` that name no message of the conversation (a tombstone counts: the thread stays). */
  async badReplyTargets(conversationId: string, seqs: readonly number[]): Promise<Set<number>> {
    const bad = new Set<number>();
    await Promise.all([...new Set(seqs)].map(async (seq) => {
      try {
        checkReplyTarget(await messageAt(this.messages, conversationId, seq));
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        bad.add(seq);
      }
    }));
    return bad;
  }

  /** Indexes the replies among new messages (before they are stored, so a repeat after a crash finds them indexed). */
  indexReplies(conversationId: string, messages: readonly Message[]): Promise<void> {
    return this.lifecycle.recordReplies(conversationId, messages.flatMap((m) => (m.reply_to === undefined ? [] : [{ seq: m.seq, reply_to: m.reply_to }])));
  }

  private async check(conversationId: string, send: OpSend, role: string): Promise<void> {
    const { op } = send;
    const target = await messageAt(this.messages, conversationId, op.target_seq);
    if (op.kind === 'edit') {
      checkEdit(target, send.sender_id);
      const muted = this.moderation ? muteRefusal(await this.moderation.mutedUntil(conversationId, send.sender_id), Date.now()) : null;
      if (muted) throw new DomainError('MUTED', muted.message, muted.retry_after);
    }
    else if (op.kind === 'delete') {
      const live = checkDelete(target, send.sender_id, role);
      // Issue 13.4: a moderator deletes messages of lower ranks only (a member who left counts as a member).
      const sender = live.sender_id === send.sender_id ? null : await this.repo.membership(conversationId, live.sender_id);
      if (sender && isRank(role) && !outranks(role, sender.role)) throw new DomainError('FORBIDDEN', 'you cannot delete a message of a member of equal or higher rank');
    }
    else {
      checkLive(target);
      const has = await this.lifecycle.hasReaction(conversationId, op.target_seq, op.emoji, send.sender_id);
      if (op.action === 'add' && has) throw new DomainError('CONFLICT', 'already reacted with this emoji');
      if (op.action === 'remove' && !has) throw new DomainError('NOT_FOUND', 'no such reaction of yours');
    }
  }

  /** The effects, then the entry. Re-running it with the same claim writes the same rows. */
  private async apply(conversationId: string, send: OpSend, claim: Claim): Promise<Message> {
    if (claim.message_id === null || claim.created_at === null) {
      throw new Error(`entry ${conversationId}#${claim.seq} of a compacted claim is missing from the message store`);
    }
    const { op } = send;
    const at = claim.created_at;
    const entry: Message = {
      id: claim.message_id,
      conversation_id: conversationId,
      seq: claim.seq,
      sender_id: send.sender_id,
      client_msg_id: send.client_msg_id,
      body: { text: op.kind === 'edit' ? send.body.text : '' },
      created_at: at,
      kind: op.kind,
      target_seq: op.target_seq,
    };
    await this.lifecycle.recordEntry(conversationId, claim.seq, op.kind, op.target_seq);
    const target = await messageAt(this.messages, conversationId, op.target_seq);
    if (op.kind === 'edit' && target) {
      // The original first (kept once, by the entry's seq), then the new state over it.
      await this.lifecycle.keepRevision(conversationId, op.target_seq, claim.seq, target.body.text, at);
      const mentions = (await this.mentions(conversationId, send.body.text)).filter((id) => id !== target.sender_id);
      const { mentions: _old, ...rest } = target;
      await this.messages.rewrite({ ...rest, body: { text: send.body.text }, edited_at: at, ...(mentions.length > 0 ? { mentions } : {}) });
      if (mentions.length > 0) entry.mentions = mentions;
    } else if (op.kind === 'delete' && target) {
      const edits = await this.lifecycle.forget(conversationId, op.target_seq);
      for (const seq of edits) {
        const edit = await messageAt(this.messages, conversationId, seq);
        if (edit && edit.body.text !== '') await this.messages.rewrite({ ...edit, body: { text: '' }, mentions: undefined });
      }
      if (target.sender_id !== send.sender_id) {
        // A moderator's delete, audited once (the key holds on a repeat after a crash).
        await this.moderation?.audit({ conversation_id: conversationId, actor_id: send.sender_id, action: 'message.deleted', target_user_id: target.sender_id, target_seq: op.target_seq, details: null, at }, `delete:${conversationId}:${claim.seq}`);
      }
      if (target.deleted_at === undefined) await this.messages.rewrite(tombstone(target, send.sender_id, at));
    } else if (op.kind === 'reaction' && target) {
      await this.lifecycle.react(conversationId, op.target_seq, op.emoji, send.sender_id, op.action, at);
      const large = isLargeGroup(await this.repo.memberCount(conversationId), this.largeGroup);
      const reactions = await this.lifecycle.counts(conversationId, op.target_seq, !large);
      await this.messages.rewrite({ ...target, reactions });
      entry.reaction = { emoji: op.emoji, action: op.action, count: reactions.find((r) => r.emoji === op.emoji)?.count ?? 0 };
    }
    await this.messages.insertClaimed([entry]);
    return entry;
  }

  private created(send: OpSend, entry: Message): ConversationEvent {
    return { type: 'message.created', message: entry, origin: send.origin, created: true };
  }

  private rejected(conversationId: string, send: OpSend, code: RejectCode, message: string, retryAfter?: number): ConversationEvent {
    return { type: 'send.rejected', conversation_id: conversationId, client_msg_id: send.client_msg_id, code, message, origin: send.origin, ...(retryAfter !== undefined ? { retry_after: retryAfter } : {}) };
  }
}
