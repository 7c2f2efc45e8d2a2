import { assertCanAddMembers, assertCanRemoveMember, DomainError, MAX_MEMBERS_PER_REQUEST, notFound, validationFailed } from '@parley/domain';
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
  ) {}

  async add(actorId: string, conversationId: string, userIds: string[]): Promise<{ added: string[] }> {
    const found = await this.repo.getForMember(conversationId, actorId);
    if (!found) throw notFound('conversation not found');
    assertCanAddMembers(found.conversation, found.me);
    const wanted = [...new Set(userIds)];
    if (wanted.length > MAX_MEMBERS_PER_REQUEST) throw validationFailed(`at most ${MAX_MEMBERS_PER_REQUEST} users per request`);
    const known = await this.users.existingIds(wanted);
    const unknown = wanted.filter((id) => !known.has(id));
    if (unknown.length > 0) throw validationFailed(`unknown user id(s): ${unknown.slice(0, 5).join(', ')}`);
    const banned = await this.moderation.bannedAmong(conversationId, wanted);
    if (banned.length > 0) throw new DomainError('BANNED', `banned from this conversation until unbanned: ${banned.slice(0, 5).join(', ')}`);
    const added = await this.repo.addMembers(conversationId, wanted, new Date().toISOString());
    if (added.length > 0) {
      const event: ConversationEvent = { type: 'member.added', conversation_id: conversationId, user_ids: added };
      await this.log.append(Topics.events, conversationId, event);
    }
    return { added };
  }

  async remove(actorId: string, conversationId: string, userId: string): Promise<void> {
    const found = await this.repo.getForMember(conversationId, actorId);
    if (!found) throw notFound('conversation not found');
    const target = userId === actorId ? found.me : await this.repo.membership(conversationId, userId);
    assertCanRemoveMember(found.conversation, found.me, userId, target);
    const { removed } = await this.repo.removeMember(conversationId, userId);
    if (!removed) throw notFound('member not found');
    if (userId !== actorId) {
      await this.moderation.audit({ conversation_id: conversationId, actor_id: actorId, action: 'member.kicked', target_user_id: userId, target_seq: null, details: null, at: new Date().toISOString() });
    }
    const event: ConversationEvent = { type: 'member.removed', conversation_id: conversationId, user_id: userId };
    await this.log.append(Topics.events, conversationId, event);
  }
}
