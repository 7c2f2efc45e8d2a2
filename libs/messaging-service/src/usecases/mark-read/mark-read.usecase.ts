import { advanceReadMarker, isLargeGroup, LargeGroupPolicy, notFound } from '@parley/domain';
import { ConversationEvent, EventLog, Topics } from '@parley/ports';
import { ConversationRepository } from '../../storage/conversation.repository';

/**
 * Moves the caller's read marker forward. The other members hear about it in direct and small
 * groups; above the large-group threshold no per-reader frame is sent (receipts become counts):
 * the event is marked `services_only`, so fanout drops it and only the notification service
 * (clear-on-read of a mention's push) reads it.
 */
export class MarkReadUseCase {
  constructor(
    private readonly repo: ConversationRepository,
    private readonly log: EventLog,
    private readonly policy: LargeGroupPolicy,
  ) {}

  async execute(actorId: string, conversationId: string, seq: number): Promise<void> {
    const found = await this.repo.getForMember(conversationId, actorId);
    if (!found) throw notFound('conversation not found');
    const next = advanceReadMarker(found.me.last_read_seq, seq, found.conversation.last_seq);
    if (next === found.me.last_read_seq) return;
    const stored = await this.repo.advanceReadMarker(conversationId, actorId, next);
    const event: ConversationEvent = { type: 'read.updated', conversation_id: conversationId, user_id: actorId, seq: stored, member_count: found.conversation.member_count, ...(found.me.participant_id ? { participant_id: found.me.participant_id } : {}) };
    if (isLargeGroup(found.conversation.member_count, this.policy)) event.services_only = true;
    await this.log.append(Topics.events, conversationId, event);
  }
}
