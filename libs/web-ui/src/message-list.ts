import { AttachmentDto } from '@parley/protocol';
import { attachmentButtons } from './attachments';
import { ConversationEntry, ShownMessage } from './chat-store';
import { el } from './dom';
import { shortTime } from './time-format';
import { moderatesIn } from './moderation';

/** The reaction the page offers on every message (toggled: a second press removes it). */
export const QUICK_REACTION = '👍';

export type MessageAction = 'reply' | 'edit' | 'delete' | 'react' | 'report';

export interface MessageListView {
  me: string;
  nameOf(userId: string): string;
  /** "sent", "read", "read by N" for the user's latest stored message. */
  receiptOf(entry: ConversationEntry, m: ShownMessage): string;
  act(action: MessageAction, m: ShownMessage): void;
  download(conversationId: string, a: AttachmentDto): void;
}

function statusOf(m: ShownMessage, receipt: string): string {
  if (m.status === 'sending') return 'sending…';
  if (m.status === 'failed') return `not sent (${m.error ?? 'error'})`;
  return receipt;
}

function actionButtons(m: ShownMessage, mine: boolean, moderates: boolean, view: MessageListView): HTMLElement[] {
  if (m.seq === null || m.note === 'message deleted') return [];
  const button = (action: MessageAction, label: string, text: string) => {
    // The reaction button is a toggle: pressed while the user's reaction is on the message (also after a reload).
    const pressed = action === 'react' ? String((m.myReactions ?? []).includes(QUICK_REACTION)) : undefined;
    const b = el('button', { type: 'button', class: 'secondary', 'data-action': action, 'aria-label': label, 'aria-pressed': pressed }, text);
    b.addEventListener('click', () => view.act(action, m));
    return b;
  };
  const excerpt = m.text.length > 30 ? `${m.text.slice(0, 30)}…` : m.text;
  return [
    el(
      'span',
      { class: 'actions' },
      button('reply', `Reply to “${excerpt}”`, 'Reply'),
      button('react', `React ${QUICK_REACTION} to “${excerpt}”`, QUICK_REACTION),
      ...(mine ? [button('edit', `Edit “${excerpt}”`, 'Edit')] : []),
      ...(mine || moderates ? [button('delete', `Delete “${excerpt}”`, 'Delete')] : [button('report', `Report “${excerpt}”`, 'Report')]),
    ),
  ];
}

const highlighted = (entry: ConversationEntry, m: ShownMessage) => m.seq !== null && m.seq === entry.highlightSeq;

/** The open conversation's messages, with time, reply quote, lifecycle note, receipt and actions. */
export function renderMessageList(list: HTMLElement, entry: ConversationEntry, messages: ShownMessage[], view: MessageListView): void {
  const bySeq = new Map(messages.filter((m) => m.seq !== null).map((m) => [m.seq, m]));
  const lastMine = [...messages].reverse().find((m) => m.sender_id === view.me && m.seq !== null);
  // A re-render (any live event) must not drop the keyboard user's focus on a message's button.
  const focused = document.activeElement instanceof HTMLElement && list.contains(document.activeElement) ? document.activeElement : null;
  const focusedSeq = focused?.closest<HTMLElement>('[data-seq]')?.dataset.seq;
  const focusedAction = focused?.dataset.action;
  list.replaceChildren(
    ...messages.map((m) => {
      const mine = m.sender_id === view.me;
      const mentioned = !mine && (m.mentions ?? []).includes(view.me);
      const status = statusOf(m, m === lastMine ? view.receiptOf(entry, m) : '');
      const quoted = m.reply_to === undefined ? undefined : bySeq.get(m.reply_to);
      return el(
        'li',
        {
          class: `message${mine ? ' mine' : ''}${mentioned ? ' mention' : ''}${highlighted(entry, m) ? ' highlight' : ''}`,
          'data-testid': 'message',
          'data-seq': m.seq ?? undefined,
          'data-mine': mine,
          tabindex: highlighted(entry, m) ? -1 : undefined, // a search result focuses it
        },
        ...(mentioned ? [el('span', { class: 'note', 'data-testid': 'mention' }, 'mentions you')] : []),
        ...(mine || entry.dto.type === 'direct' ? [] : [el('span', { class: 'sender' }, view.nameOf(m.sender_id))]),
        ...(m.reply_to === undefined ? [] : [el('span', { class: 'quote', 'data-testid': 'quote' }, quoted ? `↪ ${quoted.text || 'message deleted'}` : '↪ an earlier message')]),
        el('span', { class: 'text' }, m.text),
        ...(m.attachments && m.note !== 'message deleted' ? attachmentButtons(entry.dto.id, m.attachments, view.download) : []),
        ...(m.note ? [el('span', { class: 'note', 'data-testid': 'note' }, m.note)] : []),
        el('span', { class: 'meta' }, el('time', { datetime: m.created_at, 'data-testid': 'time' }, shortTime(m.created_at)), ...(status ? [' · ', el('span', { 'data-testid': 'status' }, status)] : [])),
        ...actionButtons(m, mine, moderatesIn(entry.dto), view),
      );
    }),
  );
  if (focusedSeq && !focusedAction) list.querySelector<HTMLElement>(`li[data-seq="${CSS.escape(focusedSeq)}"][tabindex]`)?.focus();
  else if (focusedSeq && focusedAction) list.querySelector<HTMLElement>(`[data-seq="${CSS.escape(focusedSeq)}"] button[data-action="${CSS.escape(focusedAction)}"]`)?.focus();
}
