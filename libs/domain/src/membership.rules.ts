import { Conversation, Membership } from './model';
import { DomainError, forbidden, validationFailed } from './errors';
import { atLeast, outranks } from './moderation.rules';

/** Upper bound on member ids accepted in one create/add request (bounded work per request). */
export const MAX_MEMBERS_PER_REQUEST = 1000;

/** A pair of users has at most one direct conversation: this key is unique per unordered pair. */
export function directPairKey(a: string, b: string): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}

/** Who ends up in a new conversation, creator first, deduplicated. */
export function initialMembers(creatorId: string, type: 'direct' | 'group', memberIds: readonly string[]): string[] {
  const others = [...new Set(memberIds)].filter((id) => id !== creatorId);
  if (type === 'direct' && others.length !== 1) {
    throw validationFailed('a direct conversation has exactly one other member');
  }
  if (others.length > MAX_MEMBERS_PER_REQUEST) {
    throw validationFailed(`at most ${MAX_MEMBERS_PER_REQUEST} members per request`);
  }
  return [creatorId, ...others];
}

/** Adding members: groups only, admins (and the owner) only. */
export function assertCanAddMembers(conversation: Conversation, actor: Membership | null): void {
  if (!actor) throw new DomainError('NOT_FOUND', 'conversation not found');
  if (conversation.type !== 'group') throw forbidden('members cannot be added to a direct conversation');
  if (!atLeast(actor.role, 'admin')) throw forbidden('only group admins can add members');
}

/**
 * Removing a member: an admin (or the owner) removes a member of lower rank in a group (issue
 * 13.4: nobody acts on an equal or higher rank); anyone may remove themself (leave).
 */
export function assertCanRemoveMember(conversation: Conversation, actor: Membership | null, targetUserId: string, target: Membership | null = null): void {
  if (!actor) throw new DomainError('NOT_FOUND', 'conversation not found');
  if (actor.user_id === targetUserId) return;
  if (conversation.type !== 'group' || !atLeast(actor.role, 'admin')) {
    throw forbidden('only group admins can remove other members');
  }
  if (target && !outranks(actor.role, target.role)) throw forbidden('you cannot remove a member of equal or higher rank');
}

/**
 * Reading or writing requires membership. A non-member learns nothing, not even that the
 * conversation exists, so the answer is NOT_FOUND, exactly as for an unknown id.
 */
export function assertMember<T extends Membership | null>(membership: T): asserts membership is NonNullable<T> {
  if (!membership) throw new DomainError('NOT_FOUND', 'conversation not found');
}
