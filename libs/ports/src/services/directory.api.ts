import { User } from '@parley/domain';

/** What other services may ask about users (owned by auth). */
export interface UserDirectory {
  /** The subset of `ids` that are registered users. */
  existingIds(ids: readonly string[]): Promise<Set<string>>;
  /** Exact (case-insensitive) username lookup; null when unknown. */
  findByUsername(username: string): Promise<User | null>;
}
export const USER_DIRECTORY = Symbol('UserDirectory');

/**
 * What fanout-side consumers (notification) may ask about memberships (owned by messaging),
 * bounded by design: callers must not walk large groups per message.
 */
export interface MembershipDirectory {
  memberCount(conversationId: string): Promise<number>;
  /** Member ids, at most `limit` (callers check memberCount first). */
  memberIds(conversationId: string, limit: number): Promise<string[]>;
  /** Users who share a direct conversation with `userId` (their presence frames go to each other). */
  directPartners(userId: string): Promise<string[]>;
  /** What a push needs from messaging: the user's unread total (the badge) and the conversation's title (null for direct). */
  pushContext(userId: string, conversationId: string): Promise<{ unread_total: number; title: string | null }>;
}
export const MEMBERSHIP_DIRECTORY = Symbol('MembershipDirectory');
