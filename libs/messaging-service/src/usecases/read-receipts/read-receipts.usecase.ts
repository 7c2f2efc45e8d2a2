import { notFound, validationFailed } from '@parley/domain';
import { ReadReceipts } from '@parley/ports';
import { ConversationRepository } from '../../storage/conversation.repository';

/**
 * Read receipts as a count ("read by N"), the large-group form of receipts: computed from the
 * members' read markers when someone asks, with one indexed COUNT, so neither a new message nor
 * a moved marker costs anything per member. Members only; others get NOT_FOUND.
 */
export class ReadReceiptsUseCase {
  constructor(private readonly repo: ConversationRepository) {}

  async execute(actorId: string, conversationId: string, seq: number): Promise<ReadReceipts> {
    const found = await this.repo.getForMember(conversationId, actorId);
    if (!found) throw notFound('conversation not found');
    if (!Number.isSafeInteger(seq) || seq < 1) throw validationFailed('seq must be a positive integer');
    const { last_seq } = found.conversation;
    if (seq > last_seq) throw validationFailed(`seq ${seq} is above the conversation's last_seq ${last_seq}`);
    return { conversation_id: conversationId, seq, read_by: await this.repo.readersAtOrPast(conversationId, seq) };
  }
}
