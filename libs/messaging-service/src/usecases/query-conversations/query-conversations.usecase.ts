import { notFound, roleOf } from '@parley/domain';
import { ConversationView, MemberView, Page } from '@parley/ports';
import { decodeCursor, encodeCursor } from '../../cursor';
import { ConversationRepository } from '../../storage/conversation.repository';
import { toView } from '../../views';

/** Read-only conversation queries; every one checks membership. */
export class QueryConversationsUseCase {
  constructor(private readonly repo: ConversationRepository) {}

  async get(actorId: string, conversationId: string): Promise<ConversationView> {
    const found = await this.repo.getForMember(conversationId, actorId);
    if (!found) throw notFound('conversation not found');
    return toView(found);
  }

  async list(actorId: string, limit: number, cursor: string | null): Promise<Page<ConversationView>> {
    const rows = await this.repo.listForUser(actorId, limit + 1, decodeCursor(cursor));
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toView),
      next_cursor: rows.length > limit && last ? encodeCursor(last.conversation.last_activity_at, last.conversation.id) : null,
    };
  }

  async members(actorId: string, conversationId: string, limit: number, cursor: string | null): Promise<Page<MemberView>> {
    if (!(await this.repo.membership(conversationId, actorId))) throw notFound('conversation not found');
    const rows = await this.repo.members(conversationId, limit + 1, decodeCursor(cursor));
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((m) => ({ user_id: m.user_id, role: roleOf(m.role), rank: m.role, joined_at: m.joined_at })),
      next_cursor: rows.length > limit && last ? encodeCursor(last.joined_at, last.user_id) : null,
    };
  }
}
