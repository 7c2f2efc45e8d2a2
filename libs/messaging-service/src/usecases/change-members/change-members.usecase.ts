import { assertCanAddMembers, assertCanRemoveMember, DomainError, isParticipantId, Membership, MAX_MEMBERS_PER_REQUEST, notFound, validationFailed } from '@parley/domain';
import { ConversationEvent, EventLog, Topics, UserDirectory } from '@parley/ports';
import { ConversationRepository } from '../../storage/conversation.repository';
import { ModerationRepository } from '../../moderation/moderation.repository';

/**
 * Group admins add members; admins remove anyone, any member removes themself (leave). A group
 * never loses its last admin: the role passes to the longest-standing member (see the repository).
 */
export class ChangeMembersUseCase {
  constructor(
    private readonly repo: ConversationRepository,
    private readonly users: UserDirectory,
    private readonly log: EventLog,
    /** Issue 13.4: bans refuse additions; an admin's removal of another member is audited as a kick. */
    private readonly moderation: ModerationRepository,
    /** Issue 14: how long a member who left an anonymous group keeps their pseudonym. */
    private readonly rejoinWindowSeconds = 300,
  ) {}

  async add(actorId: string, conversationId: string, userIds: string[], anonymous = false): Promise<{ added: string[] }> {
    const found = await this.repo.getForMember(conversationId, actorId);
    if (!found) throw notFound('conversation not found');
    assertCanAddMembers(found.conversation, found.me);
    if (anonymous && found.conversation.anonymous !== 'allowed') throw validationFailed('this conversation does not allow anonymous members');
    const wanted = [...new Set(userIds)];
    if (wanted.length > MAX_MEMBERS_PER_REQUEST) throw validationFailed(`at most ${MAX_MEMBERS_PER_REQUEST} users per request`);
    const known = await this.users.existingIds(wanted);
    const unknown = wanted.filter((id) => !known.has(id));
    if (unknown.length > 0) throw validationFailed(`unknown user id(s): ${unknown.slice(0, 5).join(', ')}`);
    const banned = await this.moderation.bannedAmong(conversationId, wanted);
    if (banned.length > 0) throw new DomainError('BANNED', `banned from this conversation until unbanned: ${banned.slice(0, 5).join(', ')}`);
    const added = await this.repo.addMembers(conversationId, wanted, new Date().toISOString(), anonymous ? { windowSeconds: this.rejoinWindowSeconds } : null);
    if (added.length > 0) {
      const event: ConversationEvent = { type: 'member.added', conversation_id: conversationId, user_ids: added };
      await this.log.append(Topics.events, conversationId, event);
    }
    return { added };
  }

  async remove(actorId: string, conversationId: string, key: string): Promise<void> {
    const found = await this.repo.getForMember(conversationId, actorId);
    if (!found) throw notFound('conversation not found');
    // Issue 14: an anonymous member is named by their participant id; their user id names them only to themself.
    const target = key === actorId ? found.me : visibleTarget(await this.repo.membership(conversationId, key), key);
    const userId = target?.user_id ?? key;
    assertCanRemoveMember(found.conversation, found.me, userId, target);
    const { removed } = await this.repo.removeMember(conversationId, userId);
    if (!removed) throw notFound('member not found');
    if (userId !== actorId) {
      const actor = found.me.participant_id ?? actorId;
      await this.moderation.audit({ conversation_id: conversationId, actor_id: actor, action: 'member.kicked', target_user_id: target?.participant_id ?? userId, target_seq: null, details: null, at: new Date().toISOString() });
    }
    const event: ConversationEvent = { type: 'member.removed', conversation_id: conversationId, user_id: userId };
    await this.log.append(Topics.events, conversationId, event);
  }
}

/** A membership found by a user id that belongs to an anonymous member is not shown to others: they are named by their pseudonym. */
export function visibleTarget(m: Membership | null, key: string): Membership | null {
  return m && m.participant_id && !isParticipantId(key) ? null : m;
}
