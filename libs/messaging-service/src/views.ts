import { roleOf, unreadCount } from '@parley/domain';
import { ConversationView } from '@parley/ports';
import { ConversationWithMe } from './storage/conversation.repository';

export function toView({ conversation: c, me, entriesUnread }: ConversationWithMe): ConversationView {
  return {
    id: c.id,
    type: c.type,
    title: c.title,
    created_at: c.created_at,
    member_count: c.member_count,
    last_seq: c.last_seq,
    me: { role: roleOf(me.role), rank: me.role, last_read_seq: me.last_read_seq, unread_count: Math.max(0, unreadCount(c.last_seq, me.last_read_seq) - (entriesUnread ?? 0)) },
  };
}
