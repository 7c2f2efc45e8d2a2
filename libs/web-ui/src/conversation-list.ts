import { ParleyRest } from '@parley/client';
import { PresenceStatus } from '@parley/protocol';
import { ChatStore, ConversationEntry } from './chat-store';
import { el } from './dom';
import { shortTime } from './time-format';

export interface ConversationListView {
  activeId: string | null;
  titleOf(entry: ConversationEntry): string;
  presenceOf(userId: string): PresenceStatus | undefined;
  open(conversationId: string): void;
}

/**
 * The conversation list: each row is a real <button> inside its <li>, so it is in the tab order and
 * Enter and Space open it; the row shows the last message's preview and time.
 */
export function renderConversationList(list: HTMLElement, entries: ConversationEntry[], view: ConversationListView): void {
  const focusedId = document.activeElement instanceof HTMLElement && list.contains(document.activeElement) ? document.activeElement.dataset.id : undefined;
  const items = entries.map((entry) => {
    const unread = entry.dto.me.unread_count;
    const partnerStatus = entry.partnerId ? view.presenceOf(entry.partnerId) : undefined;
    const active = entry.dto.id === view.activeId;
    const title = view.titleOf(entry);
    const preview = entry.preview;
    const button = el(
      'button',
      { type: 'button', 'data-id': entry.dto.id, 'aria-current': active ? 'true' : undefined, 'aria-label': `${title}${unread > 0 ? `, ${unread} unread` : ''}${preview ? `, last message: ${preview.text}` : ''}` },
      ...(entry.dto.type === 'direct' ? [el('span', { class: `dot${partnerStatus === 'online' ? ' online' : ''}`, title: partnerStatus ?? 'unknown' })] : []),
      el(
        'span',
        { class: 'summary' },
        el('span', { class: 'name' }, title),
        ...(preview ? [el('span', { class: 'preview', 'data-testid': 'preview' }, preview.text)] : []),
      ),
      ...(preview ? [el('time', { class: 'preview', datetime: preview.at }, shortTime(preview.at))] : []),
      ...(unread > 0 ? [el('span', { class: 'unread', 'data-testid': 'unread' }, String(unread))] : []),
    );
    button.addEventListener('click', () => view.open(entry.dto.id));
    return el('li', { class: active ? 'conversation active' : 'conversation', 'data-id': entry.dto.id, 'data-testid': 'conversation' }, button);
  });
  list.replaceChildren(...items);
  // A re-render must not drop the keyboard user's place in the list.
  if (focusedId) list.querySelector<HTMLElement>(`button[data-id="${CSS.escape(focusedId)}"]`)?.focus();
}

/** Messages fetched per conversation at start, for its preview (the newest may be edits or reactions). */
const PREVIEW_FETCH = 5;

/** Fetches a conversation's latest few messages so its row shows a preview before it is opened. */
export async function loadPreview(rest: ParleyRest, store: ChatStore, conversationId: string): Promise<void> {
  const entry = store.conversations.get(conversationId);
  if (!entry || entry.dto.last_seq === 0) return;
  try {
    const { messages } = await rest.history(conversationId, { limit: PREVIEW_FETCH });
    for (const m of messages) store.addStored(entry, m);
  } catch (e) {
    console.warn(`could not load the preview of ${conversationId}`, e);
  }
}
