import { ParleyRest } from '@parley/client';
import { MessageDto } from '@parley/protocol';
import { ChatStore, ConversationEntry } from './chat-store';
import { byId, el, errorText, show } from './dom';
import { revealMessage } from './reveal-message';
import { shortTime } from './time-format';

/** Results fetched per page ("More results" fetches the next). */
const PAGE = 20;
/** The API's bound on `q` (docs/api/v1.md, Search). */
const MAX_QUERY = 200;

export interface SearchHost {
  rest: ParleyRest;
  store: ChatStore;
  activeId(): string | null;
  titleOf(entry: ConversationEntry): string;
  nameOf(userId: string): string;
  /** Lists a conversation the page does not know yet (a search can find one beyond the first page of the list). */
  adopt(conversationId: string): Promise<ConversationEntry | null>;
  open(conversationId: string): Promise<void>;
  render(): void;
}

/**
 * Message search (GET /v1/search/messages, ADR 0015) in the conversation pane: all the user's
 * conversations or the open one, newest first. Each result is a button (conversation, sender, time,
 * text); Enter or a click opens the conversation at that message. The count is announced through
 * the panel's status line (a polite live region).
 */
export class SearchPanel {
  private query = '';
  private scope: string | null = null;
  private cursor: string | null = null;
  /** Bumped by every new search, so a slow answer to an older one is dropped. */
  private generation = 0;
  private shown = 0;
  private lastOpened: string | null = null;

  constructor(private readonly host: SearchHost) {
    byId<HTMLFormElement>('search-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.search();
    });
    // The scope offers the open conversation, or on a phone back at the list the one just left (this
    // listener is bound before the page's own one on Back, which forgets the open conversation).
    byId('back').addEventListener('click', () => this.syncScope());
    byId('search-form').addEventListener('focusin', () => this.syncScope());
    byId<HTMLInputElement>('search-query').addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.clear();
    });
    byId('search-more').addEventListener('click', () => void this.more());
    this.syncScope();
  }

  private syncScope(): void {
    const select = byId<HTMLSelectElement>('search-scope');
    this.lastOpened = this.host.activeId() ?? this.lastOpened;
    const entry = this.lastOpened ? this.host.store.conversations.get(this.lastOpened) : undefined;
    const wanted = select.value;
    const options = [el('option', { value: '' }, 'All chats')];
    if (entry) options.push(el('option', { value: entry.dto.id }, `In ${this.host.titleOf(entry)}`));
    select.replaceChildren(...options);
    select.value = options.some((o) => o.value === wanted) ? wanted : '';
  }

  private async search(): Promise<void> {
    const q = byId<HTMLInputElement>('search-query').value.trim();
    if (q.length === 0) return this.clear();
    if (q.length > MAX_QUERY) return this.status(`Search for at most ${MAX_QUERY} characters.`);
    this.query = q;
    this.scope = byId<HTMLSelectElement>('search-scope').value || null;
    this.cursor = null;
    this.shown = 0;
    byId('search-results').replaceChildren();
    await this.fetchPage(++this.generation);
  }

  private async more(): Promise<void> {
    if (this.cursor === null) return;
    // Keep the keyboard user's place: focus moves to the first new result.
    const first = byId('search-results').children.length;
    await this.fetchPage(this.generation);
    byId('search-results').children.item(first)?.querySelector<HTMLElement>('button')?.focus();
  }

  private async fetchPage(generation: number): Promise<void> {
    this.status('Searching…');
    try {
      const page = await this.host.rest.searchMessages(this.query, { limit: PAGE, cursor: this.cursor, ...(this.scope ? { conversation_id: this.scope } : {}) });
      if (generation !== this.generation) return;
      this.cursor = page.next_cursor;
      byId('search-results').append(...page.messages.map((m) => this.row(m)));
      this.shown += page.messages.length;
      show(byId('search-results'), this.shown > 0);
      show(byId('search-more'), this.cursor !== null);
      const where = this.scope ? ' in this conversation' : '';
      this.status(this.shown === 0 ? `No messages match “${this.query}”${where}.` : `${this.shown}${this.cursor ? '+' : ''} message${this.shown === 1 ? '' : 's'} match “${this.query}”${where}.`);
    } catch (e) {
      if (generation === this.generation) this.status(`Search failed: ${errorText(e)}`);
    }
  }

  private row(m: MessageDto): HTMLElement {
    const entry = this.host.store.conversations.get(m.conversation_id);
    const title = entry ? this.host.titleOf(entry) : 'A conversation';
    const button = el(
      'button',
      { type: 'button', 'data-conversation-id': m.conversation_id, 'data-seq': m.seq },
      el('span', { class: 'summary' }, el('span', { class: 'name' }, title), el('span', { class: 'preview' }, `${this.host.nameOf(m.sender_id)}: ${m.body.text}`)),
      el('time', { class: 'preview', datetime: m.created_at }, shortTime(m.created_at)),
    );
    button.addEventListener('click', () => void this.go(m));
    return el('li', { 'data-testid': 'search-result' }, button);
  }

  /** Opens the conversation and, if the page can show that far back, marks and focuses the message. */
  private async go(m: MessageDto): Promise<void> {
    const entry = this.host.store.conversations.get(m.conversation_id) ?? (await this.host.adopt(m.conversation_id));
    if (!entry) return;
    await this.host.open(m.conversation_id);
    let found = false;
    try {
      found = await revealMessage(this.host.rest, this.host.store, entry, m.seq);
    } catch (e) {
      console.warn('could not load the messages before a search result', e);
    }
    entry.highlightSeq = found ? m.seq : undefined;
    this.host.render();
    // Renders are coalesced to the next frame; this callback runs after that one.
    requestAnimationFrame(() => {
      const li = found ? byId('messages').querySelector<HTMLElement>(`li[data-seq="${m.seq}"]`) : null;
      if (li) {
        li.scrollIntoView({ block: 'center' });
        li.focus();
      }
      byId('announcer').textContent = found ? `Showing the message from ${shortTime(m.created_at)}.` : 'That message is too far back to show here; the conversation is open at its latest messages.';
    });
  }

  private clear(): void {
    this.generation++;
    this.query = '';
    this.cursor = null;
    this.shown = 0;
    byId<HTMLInputElement>('search-query').value = '';
    byId('search-results').replaceChildren();
    show(byId('search-results'), false);
    show(byId('search-more'), false);
    this.status('');
  }

  private status(message: string): void {
    byId('search-status').textContent = message;
  }
}
