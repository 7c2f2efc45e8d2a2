import { DomainError, Message, moderates } from '@parley/domain';
import { MessageStore, RevisionsView } from '@parley/ports';
import { messageAt } from '../../sequencer/lifecycle-ops';
import { ConversationRepository } from '../../storage/conversation.repository';
import { LifecycleRepository } from '../../storage/lifecycle.repository';

/** The query side of message lifecycle (docs/adr/0010): a message's replies, an edited message's originals. */
export class ReadLifecycleUseCase {
  constructor(
    private readonly repo: ConversationRepository,
    private readonly lifecycle: LifecycleRepository,
    private readonly messages: MessageStore,
  ) {}

  /** Replies to message `seq` above `afterSeq`, ascending (keyset: pass the last seq of a page). Members only. */
  async replies(actorId: string, conversationId: string, seq: number, afterSeq: number, limit: number): Promise<{ messages: Message[]; has_more: boolean }> {
    await this.target(actorId, conversationId, seq);
    const seqs = await this.lifecycle.replySeqs(conversationId, seq, afterSeq, limit + 1);
    const page = seqs.slice(0, limit);
    const found = await Promise.all(page.map((s) => messageAt(this.messages, conversationId, s)));
    return { messages: found.filter((m): m is Message => m !== null), has_more: seqs.length > limit };
  }

  /** The texts an edited message had before each edit: moderators only (the one check, `moderates`). */
  async revisions(actorId: string, conversationId: string, seq: number): Promise<RevisionsView> {
    const role = await this.target(actorId, conversationId, seq);
    if (!moderates(role)) throw new DomainError('FORBIDDEN', 'only an admin sees the originals of edited messages');
    return { conversation_id: conversationId, seq, revisions: await this.lifecycle.revisions(conversationId, seq) };
  }

  /** The caller's role; NOT_FOUND for a non-member (as for an unknown conversation) or a seq that names no message. */
  private async target(actorId: string, conversationId: string, seq: number): Promise<string> {
    const found = await this.repo.getForMember(conversationId, actorId);
    if (!found) throw new DomainError('NOT_FOUND', 'conversation not found');
    const m = seq <= found.conversation.last_seq ? await messageAt(this.messages, conversationId, seq) : null;
    if (!m || m.kind !== undefined) throw new DomainError('NOT_FOUND', 'message not found');
    return found.me.role;
  }
}
