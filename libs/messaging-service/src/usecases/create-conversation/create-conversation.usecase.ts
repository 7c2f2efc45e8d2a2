import { randomUUID } from 'node:crypto';
import { Conversation, ConversationType, directPairKey, initialMembers, notFound, validationFailed } from '@parley/domain';
import { ConversationEvent, ConversationView, EventLog, isUniqueViolation, Topics, UserDirectory } from '@parley/ports';
import { ConversationRepository } from '../../storage/conversation.repository';
import { toView } from '../../views';

export interface CreateConversationCommand {
  actorId: string;
  type: ConversationType;
  title?: string | null;
  memberIds: string[];
}

/**
 * Creates a direct or group conversation. A pair of users has at most one direct conversation:
 * asking again returns the existing one (created = false). Unknown member ids are a 400.
 */
export class CreateConversationUseCase {
  constructor(
    private readonly repo: ConversationRepository,
    private readonly users: UserDirectory,
    private readonly log: EventLog,
  ) {}

  async execute(cmd: CreateConversationCommand): Promise<{ conversation: ConversationView; created: boolean }> {
    const members = initialMembers(cmd.actorId, cmd.type, cmd.memberIds);
    const others = members.slice(1);
    const known = await this.users.existingIds(others);
    const unknown = others.filter((id) => !known.has(id));
    if (unknown.length > 0) throw validationFailed(`unknown user id(s): ${unknown.slice(0, 5).join(', ')}`);

    const directKey = cmd.type === 'direct' ? directPairKey(cmd.actorId, others[0]) : null;
    if (directKey) {
      const existing = await this.repo.findDirect(directKey);
      if (existing) return { conversation: await this.viewFor(existing.id, cmd.actorId), created: false };
    }

    const now = new Date().toISOString();
    const conversation: Conversation = {
      id: randomUUID(),
      type: cmd.type,
      title: cmd.type === 'group' ? (cmd.title ?? null) : null,
      created_at: now,
      member_count: members.length,
      last_seq: 0,
      last_activity_at: now,
    };
    try {
      await this.repo.create(conversation, directKey, members.map((userId, i) => ({ userId, role: i === 0 && cmd.type === 'group' ? 'owner' : 'member' })));
    } catch (e) {
      if (directKey && isUniqueViolation(e)) {
        const winner = await this.repo.findDirect(directKey);
        if (winner) return { conversation: await this.viewFor(winner.id, cmd.actorId), created: false };
      }
      throw e;
    }
    // Bounded: initialMembers() caps a request at MAX_MEMBERS_PER_REQUEST ids.
    const event: ConversationEvent = { type: 'member.added', conversation_id: conversation.id, user_ids: members };
    await this.log.append(Topics.events, conversation.id, event);
    return { conversation: await this.viewFor(conversation.id, cmd.actorId), created: true };
  }

  private async viewFor(conversationId: string, userId: string): Promise<ConversationView> {
    const row = await this.repo.getForMember(conversationId, userId);
    if (!row) throw notFound('conversation not found');
    return toView(row);
  }
}
