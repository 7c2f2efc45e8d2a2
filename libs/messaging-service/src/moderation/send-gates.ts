import { SendGate, sendRefusal, SendRefusal, MAX_SLOW_MODE_SECONDS } from '@parley/domain';

/** The most (conversation, sender) pairs the slow-mode clock remembers; the oldest go first. */
const MAX_TRACKED = 100_000;

/**
 * Issue 13.4 (docs/adr/0017-moderation.md): the sequencer's check of new messages against
 * announcement conversations, mutes and slow mode. The sequencer owns each conversation's
 * partition, so it sees every send of a conversation in order: when each member's last message
 * was accepted is kept here, in memory, and the check costs no query beyond the batch's one
 * membership read (ConversationRepository.sendGates). A takeover starts with an empty clock:
 * at most one message per member comes early, right after it.
 */
export class SendGates {
  private readonly lastSent = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Null when the send may go in (it then counts as this member's latest message in `pending`,
   * the batch's view of the clock), else why not. `commit` keeps a batch's admissions once the
   * batch is done, so a batch that fails and is handled again sees the clock it first saw.
   */
  admit(conversationId: string, senderId: string, gate: SendGate, pending: Map<string, number>): SendRefusal | null {
    const key = `${conversationId}\u0000${senderId}`;
    const now = this.now();
    const refusal = sendRefusal(gate, now, pending.get(key) ?? this.lastSent.get(key));
    if (refusal) return refusal;
    if (gate.slow_mode_seconds > 0) pending.set(key, now);
    return null;
  }

  commit(pending: ReadonlyMap<string, number>): void {
    for (const [key, at] of pending) this.remember(key, at);
  }

  private remember(key: string, at: number): void {
    this.lastSent.delete(key);
    this.lastSent.set(key, at);
    if (this.lastSent.size <= MAX_TRACKED) return;
    const cutoff = at - MAX_SLOW_MODE_SECONDS * 1000;
    for (const [k, t] of this.lastSent) {
      if (t >= cutoff && this.lastSent.size <= MAX_TRACKED) break;
      this.lastSent.delete(k);
    }
  }
}
