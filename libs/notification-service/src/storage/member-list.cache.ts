import { isLargeGroup, LargeGroupPolicy } from '@parley/domain';
import { MembershipDirectory } from '@parley/ports';

interface Entry {
  count: number;
  /** Member ids of a small group; null above the large-group threshold (never listed). */
  ids: string[] | null;
}

/**
 * Who is in each conversation, as the notification service last learned it: one directory lookup
 * when a conversation is first seen, then kept until a member.added / member.removed event for it
 * arrives (they share the conversation's partition with its messages, so they arrive in order).
 * So a message of a small group costs no member lookup, and a large group is never listed.
 * Bounded: the least recently used conversations are forgotten first.
 */
export class MemberListCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly members: MembershipDirectory,
    private readonly policy: LargeGroupPolicy,
    private readonly maxConversations = 10_000,
  ) {}

  async get(conversationId: string): Promise<Entry> {
    const hit = this.entries.get(conversationId);
    if (hit) {
      this.entries.delete(conversationId);
      this.entries.set(conversationId, hit);
      return hit;
    }
    const count = await this.members.memberCount(conversationId);
    const entry: Entry = { count, ids: count === 0 || isLargeGroup(count, this.policy) ? null : await this.members.memberIds(conversationId, this.policy.threshold) };
    this.entries.set(conversationId, entry);
    if (this.entries.size > this.maxConversations) this.entries.delete(this.entries.keys().next().value as string);
    return entry;
  }

  forget(conversationId: string): void {
    this.entries.delete(conversationId);
  }
}
