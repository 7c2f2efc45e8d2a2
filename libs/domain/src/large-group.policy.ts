/**
 * Above the large-group threshold the server stops doing per-member work for best-effort
 * signals: typing is sampled and read receipts become counts. Messages are unaffected.
 */
export interface LargeGroupPolicy {
  threshold: number;
  /** At most one typing frame per conversation per this many milliseconds in a large group. */
  typingSampleMs: number;
}

export const isLargeGroup = (memberCount: number, policy: LargeGroupPolicy) => memberCount > policy.threshold;

/** Per-conversation typing sampler: returns true when a typing frame may go out now. */
export class TypingSampler {
  private readonly lastSent = new Map<string, number>();

  constructor(
    private readonly policy: LargeGroupPolicy,
    private readonly maxEntries = 50_000,
  ) {}

  allow(conversationId: string, memberCount: number, now: number): boolean {
    if (!isLargeGroup(memberCount, this.policy)) return true;
    const last = this.lastSent.get(conversationId);
    if (last !== undefined && now - last < this.policy.typingSampleMs) return false;
    if (this.lastSent.size >= this.maxEntries) this.lastSent.clear();
    this.lastSent.set(conversationId, now);
    return true;
  }
}
