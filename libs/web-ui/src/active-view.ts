import { PresenceStatus } from '@parley/protocol';
import { ChatStore, ConversationEntry } from './chat-store';
import { byId, el, show } from './dom';
import { MessageListView, renderMessageList } from './message-list';

export interface ActiveView extends Omit<MessageListView, 'receiptOf'> {
  presenceOf(userId: string): PresenceStatus | undefined;
  titleOf(entry: ConversationEntry): string;
}

/** The right-hand pane: title, presence, the messages, who is typing, and whether the composer is usable. */
export function renderActiveConversation(entry: ConversationEntry | undefined, store: ChatStore, view: ActiveView): void {
  const list = byId('messages');
  const presenceDot = byId('presence');
  byId<HTMLInputElement>('composer').disabled = !entry;
  byId<HTMLButtonElement>('send').disabled = !entry;
  if (!entry) {
    byId('conversation-title').textContent = 'No conversation open';
    show(presenceDot, false);
    list.replaceChildren(el('li', { class: 'placeholder' }, 'Pick a conversation or start one.'));
    byId('typing').textContent = '';
    return;
  }
  byId('conversation-title').textContent = view.titleOf(entry);
  const partnerStatus = entry.partnerId ? view.presenceOf(entry.partnerId) : undefined;
  show(presenceDot, entry.dto.type === 'direct');
  presenceDot.className = `dot${partnerStatus === 'online' ? ' online' : ''}`;
  presenceDot.title = partnerStatus ?? 'unknown';
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const messages = store.sortedMessages(entry);
  renderMessageList(list, entry, messages, {
    ...view,
    receiptOf: (e, m) => {
      const readers = m.seq === null ? 0 : store.readersOf(e, m.seq, view.me);
      return readers === 0 ? 'sent' : e.dto.type === 'direct' ? 'read' : `read by ${readers}`;
    },
  });
  if (nearBottom || messages.length === 0) list.scrollTop = list.scrollHeight;
  const typers = [...entry.typing.keys()].map((id) => view.nameOf(id));
  byId('typing').textContent =
    typers.length === 0 ? '' : typers.length === 1 ? `${typers[0]} is typing…` : typers.length === 2 ? `${typers[0]} and ${typers[1]} are typing…` : 'Several people are typing…';
}
