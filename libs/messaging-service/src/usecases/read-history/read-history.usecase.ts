import { Message, notFound, validationFailed } from '@parley/domain';
import { HistoryQuery, MessageStore } from '@parley/ports';
import { ConversationRepository } from '../../storage/conversation.repository';
import { StoreReads } from '../../storage/store-reads';

/** The largest page any caller may ask for (WebSocket sync allows 500, REST 100). */
export const MAX_HISTORY_PAGE = 500;

/** History paging by seq, members only. Fetches one extra row to answer has_more. */
export class ReadHistoryUseCase {
  constructor(
    private readonly repo: ConversationRepository,
    private readonly messages: MessageStore,
    private readonly reads: StoreReads,
  ) {}

  async execute(actorId: string, conversationId: string, q: HistoryQuery): Promise<{ messages: Message[]; has_more: boolean }> {
    if (!(await this.repo.membership(conversationId, actorId))) throw notFound('conversation not found');
    const limit = Math.min(Math.max(1, Math.floor(q.limit)), MAX_HISTORY_PAGE);
    if (q.after_seq !== undefined && q.before_seq !== undefined) throw validationFailed('after_seq and before_seq are exclusive');
    if (q.after_seq !== undefined) {
      this.reads.count('sync');
      const rows = await this.messages.after(conversationId, q.after_seq, limit + 1);
      return { messages: rows.slice(0, limit), has_more: rows.length > limit };
    }
    this.reads.count('history');
    const rows = q.before_seq !== undefined
      ? await this.messages.before(conversationId, q.before_seq, limit + 1)
      : await this.messages.latest(conversationId, limit + 1);
    return { messages: rows.length > limit ? rows.slice(rows.length - limit) : rows, has_more: rows.length > limit };
  }
}
