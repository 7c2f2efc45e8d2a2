import { ParleyClient, ParleyClientError, ParleyRest } from '@parley/client';
import { bindPasswordSignIn } from './password-sign-in';
import { ConversationDto, MessageDto, PresenceStatus, UserDto } from '@parley/protocol';
import { CallController } from './call-controller';
import { ChatStore, ConversationEntry } from './chat-store';
import { ComposerModeView } from './composer-mode';
import { bindConversationStarter } from './conversation-starter';
import { loadPreview, renderConversationList } from './conversation-list';
import { byId, errorText, show } from './dom';
import { bindAttach, saveAttachment } from './attachments';
import { MembersPanel } from './members-panel';
import { MessageActions } from './message-actions';
import { ModerationPanel } from './moderation';
import { renderActiveConversation } from './active-view';
import { restoreReceipt } from './read-receipts';
import { connectWithRetry, Session } from './session';
import { showTyping, TypingSender } from './typing';
import { bindCodeSignIn } from './code-sign-in';
import { SearchPanel } from './search-panel';

/** The chat page: binds the Parley SDK to the DOM of index.html. */
export class ChatApp {
  readonly rest: ParleyRest;
  private readonly store = new ChatStore();
  readonly users = new Map<string, UserDto>();
  private composerMode: ComposerModeView | null = null;
  private members: MembersPanel | null = null;
  private shownId: string | null = null;
  private readonly actions = new MessageActions(() => this.client, () => this.activeId, () => this.composerMode, (m) => this.banner(m, false), () => this.render());
  private connectionProblem = false; // the banner shows a connection problem (cleared once the socket is open again)
  private readonly userLookups = new Set<string>();
  private readonly moderation = new ModerationPanel({ rest: () => this.rest, me: () => this.session.user?.id, active: () => (this.activeId ? this.store.conversations.get(this.activeId)?.dto : undefined), nameOf: (id) => this.nameOf(id), notify: (m) => this.banner(m, false) });
  private readonly presence = new Map<string, PresenceStatus>();
  private client: ParleyClient | null = null;
  private callUi: CallController | null = null;
  private activeId: string | null = null;
  private readonly typingSender = new TypingSender(() => this.client, () => this.activeId);
  private renderQueued = false;

  constructor(
    private readonly session: Session,
    baseUrl: string,
    private readonly wsUrl: string,
  ) {
    this.rest = new ParleyRest({
      baseUrl,
      getAccessToken: () => session.accessToken,
      onUnauthorized: () => session.refresh(),
    });
  }

  start(): void {
    this.bindForms();
    if (this.session.user) void this.enterChat();
    else this.showAuth('');
  }

  /** Called by the session when its refresh token is refused. */
  signedOut(reason: string): void {
    this.client?.close();
    this.client = null;
    this.resetChat();
    this.showAuth(reason);
  }

  private bindForms(): void {
    bindPasswordSignIn(this.session, () => this.enterChat());
    bindCodeSignIn(this.session, () => this.enterChat());
    byId('logout').addEventListener('click', () => void this.logout());
    byId<HTMLFormElement>('composer-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.sendComposed();
    });
    byId<HTMLInputElement>('composer').addEventListener('input', () => this.typingSender.onInput());
    bindConversationStarter(this);
    this.composerMode = new ComposerModeView();
    bindAttach({ rest: this.rest, client: () => this.client, activeId: () => this.activeId, fail: (m) => this.banner(m, false) });
    this.members = new MembersPanel({
      rest: this.rest,
      users: this.users,
      me: () => this.session.user?.id,
      activeGroupId: () => (this.activeId && this.store.conversations.get(this.activeId)?.dto.type === 'group' ? this.activeId : null),
      nameOf: (id) => this.nameOf(id),
    });
    new SearchPanel({ rest: this.rest, store: this.store, activeId: () => this.activeId, titleOf: (e) => this.titleOf(e), nameOf: (id) => this.nameOf(id), adopt: (id) => this.adopt(null, id), open: (id) => this.open(id), render: () => this.render() });
    byId('back').addEventListener('click', () => this.closeConversation());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && this.activeId) this.markActiveRead();
    });
  }

  private showAuth(message: string): void {
    show(byId('chat-view'), false);
    show(byId('auth-view'), true);
    byId('auth-error').textContent = message;
  }

  private async logout(): Promise<void> {
    // Close first: the server answers logout by closing our sockets with 4401, which must not trigger a refresh.
    this.client?.close();
    this.client = null;
    try {
      await this.rest.logout();
    } catch (e) {
      console.warn('logout request failed; signing out locally', e);
    }
    this.session.clear();
    this.signedOut('');
  }

  private async enterChat(): Promise<void> {
    const me = this.session.user;
    if (!me) return this.showAuth('');
    this.users.set(me.id, me);
    this.store.me = me.id;
    show(byId('auth-view'), false);
    show(byId('chat-view'), true);
    byId('me').textContent = me.display_name || me.username;
    byId('me').dataset.userId = me.id;
    this.client = this.createClient();
    try {
      await this.loadConversations();
    } catch (e) {
      this.sideError(`Could not load conversations: ${errorText(e)}`);
    }
    await connectWithRetry(this.client, this.session, () => this.client);
  }

  private createClient(): ParleyClient {
    const client = new ParleyClient({
      wsUrl: this.wsUrl,
      getToken: (request) => this.session.token(request.reason === 'expired' || request.reason === 'upgrade-failed'),
    });
    client.on('state', (state) => {
      byId('connection').textContent = state === 'open' ? 'online' : state === 'connecting' ? 'connecting…' : 'offline';
      if (state === 'open' && this.connectionProblem) this.banner('', false);
      else if (state !== 'open' && byId('connection').dataset.wasOpen === '1') this.banner('Connection lost. Reconnecting…', true);
      if (state === 'open') byId('connection').dataset.wasOpen = '1';
    });
    client.on('message', (m) => this.onMessage(m));
    client.on('typing', (t) => showTyping(this.store.conversations.get(t.conversation_id), t, this.session.user?.id, () => this.render()));
    client.on('read', (r) => {
      const entry = this.store.conversations.get(r.conversation_id);
      if (entry) this.store.applyRead(entry, r, this.session.user?.id);
      this.render();
    });
    client.on('presence', (p) => {
      this.presence.set(p.user_id, p.status);
      this.render();
    });
    client.on('conversation', (c) => {
      if (c.event === 'added') void this.adopt(c.conversation);
      else {
        this.store.removeConversation(c.conversation.id);
        if (this.activeId === c.conversation.id) this.activeId = null;
        this.render();
      }
    });
    client.on('error', (e) => this.onClientError(e));
    this.callUi = new CallController(client, () => this.session.user?.id ?? '', () => this.activeId, (id) => this.nameOf(id));
    return client;
  }

  private async loadConversations(): Promise<void> {
    const page = await this.rest.listConversations({ limit: 100 });
    for (const dto of page.conversations) this.track(this.store.upsertConversation(dto, 'bottom'));
    this.render();
    const previews = page.conversations.map((dto) => loadPreview(this.rest, this.store, dto.id));
    await Promise.all([...page.conversations.map((dto) => this.loadPartner(dto.id)), ...previews]);
    this.render();
  }

  private track(entry: ConversationEntry): void {
    this.client?.trackConversation(entry.dto.id, entry.dto.last_seq);
  }

  /** A conversation we learned of live (added to it, or a message in it): fetch and list it. */
  async adopt(dto: ConversationDto | null, id?: string): Promise<ConversationEntry | null> {
    try {
      const full = dto ?? (await this.rest.getConversation(id ?? ''));
      const known = this.store.conversations.has(full.id);
      const entry = this.store.upsertConversation(full, 'top');
      if (!known) {
        this.track(entry);
        await this.loadPartner(full.id);
      }
      this.render();
      return entry;
    } catch (e) {
      this.sideError(`Could not load a conversation: ${errorText(e)}`);
      return null;
    }
  }

  private async loadPartner(conversationId: string): Promise<void> {
    const entry = this.store.conversations.get(conversationId);
    const me = this.session.user?.id;
    if (!entry || entry.dto.type !== 'direct' || entry.partnerId || !me) return;
    const members = await this.rest.listMembers(conversationId, { limit: 2 });
    const partner = members.members.find((m) => m.user_id !== me);
    if (!partner) return;
    entry.partnerId = partner.user_id;
    this.lookupUser(partner.user_id);
    if (!this.presence.has(partner.user_id)) {
      const p = await this.rest.getPresence(partner.user_id);
      this.presence.set(p.user_id, p.status);
    }
  }

  private lookupUser(userId: string): void {
    if (this.users.has(userId) || this.userLookups.has(userId)) return;
    this.userLookups.add(userId);
    this.rest.getUser(userId).then(
      (u) => {
        this.users.set(u.id, u);
        this.render();
      },
      (e: unknown) => console.warn(`could not load user ${userId}`, e),
    );
  }

  private nameOf(userId: string): string {
    const u = this.users.get(userId);
    if (u) return u.display_name || u.username;
    this.lookupUser(userId);
    return '…';
  }

  private titleOf(entry: ConversationEntry): string {
    if (entry.dto.type === 'group') return entry.dto.title ?? 'Group';
    return entry.partnerId ? this.nameOf(entry.partnerId) : 'Direct chat';
  }

  async open(conversationId: string): Promise<void> {
    const entry = this.store.conversations.get(conversationId);
    if (!entry) return;
    if (this.activeId !== conversationId) this.composerMode?.set({ kind: 'new' });
    this.activeId = conversationId;
    byId('chat-view').classList.add('conversation-open');
    byId<HTMLInputElement>('composer').disabled = false;
    byId<HTMLButtonElement>('send').disabled = false;
    this.render();
    if (!entry.historyLoaded) {
      try {
        const history = await this.rest.history(conversationId, { limit: 50 });
        for (const m of history.messages) this.store.addStored(entry, m);
        entry.historyLoaded = true;
        this.client?.trackConversation(conversationId, entry.dto.last_seq);
      } catch (e) {
        this.banner(`Could not load messages: ${errorText(e)}`, true);
      }
      await restoreReceipt(this.rest, this.session, this.store, entry);
    }
    this.markActiveRead();
    this.render();
    byId<HTMLInputElement>('composer').focus();
  }

  /** Back to the list (the phone layout shows one pane at a time). */
  private closeConversation(): void {
    const id = this.activeId;
    this.activeId = null;
    this.composerMode?.set({ kind: 'new' });
    byId('chat-view').classList.remove('conversation-open');
    this.renderNow();
    if (id) byId('conversations').querySelector<HTMLElement>(`button[data-id="${CSS.escape(id)}"]`)?.focus();
  }

  private markActiveRead(): void {
    const entry = this.activeId ? this.store.conversations.get(this.activeId) : undefined;
    if (!entry || document.visibilityState === 'hidden') return;
    const seq = entry.dto.last_seq;
    if (seq > entry.dto.me.last_read_seq) {
      if (!this.client?.read(entry.dto.id, seq)) {
        this.rest.markRead(entry.dto.id, seq).catch((e: unknown) => console.warn('could not mark read', e));
      }
    }
    entry.dto = { ...entry.dto, me: { ...entry.dto.me, last_read_seq: Math.max(seq, entry.dto.me.last_read_seq), unread_count: 0 } };
  }

  private sendComposed(): void {
    const input = byId<HTMLInputElement>('composer');
    const text = input.value;
    const entry = this.activeId ? this.store.conversations.get(this.activeId) : undefined;
    const me = this.session.user?.id;
    if (!entry || !me || !this.client || text.trim().length === 0) return;
    const mode = this.composerMode?.mode ?? { kind: 'new' };
    this.composerMode?.set({ kind: 'new' });
    input.value = '';
    this.typingSender.stop();
    if (mode.kind === 'edit') {
      this.client.edit(entry.dto.id, mode.seq, text).catch((e: unknown) => this.banner(`Could not edit: ${errorText(e)}`, false));
      return;
    }
    const clientMsgId = crypto.randomUUID();
    const replyTo = mode.kind === 'reply' ? mode.seq : undefined;
    this.store.addPending(entry, me, clientMsgId, text, replyTo);
    this.render();
    this.client.send(entry.dto.id, text, { clientMsgId, ...(replyTo === undefined ? {} : { replyTo }) }).then(
      (ack) => {
        this.store.settlePending(entry, me, clientMsgId, { seq: ack.seq });
        this.render();
      },
      (e: unknown) => {
        this.store.settlePending(entry, me, clientMsgId, { error: e instanceof ParleyClientError ? e.code : errorText(e) });
        this.render();
      },
    );
  }

  private onMessage(m: MessageDto): void {
    const entry = this.store.conversations.get(m.conversation_id);
    if (!entry) {
      void this.adopt(null, m.conversation_id).then((adopted) => {
        if (adopted) this.acceptMessage(adopted, m);
      });
      return;
    }
    this.acceptMessage(entry, m);
  }

  private acceptMessage(entry: ConversationEntry, m: MessageDto): void {
    // A conversation fetched after this message was stored already counts it as unread.
    const news = m.seq > entry.dto.last_seq && m.kind === undefined; // lifecycle entries are not unread messages
    this.store.addStored(entry, m);
    this.store.touch(entry.dto.id);
    const timer = entry.typing.get(m.sender_id);
    if (timer) clearTimeout(timer);
    entry.typing.delete(m.sender_id);
    const mine = m.sender_id === this.session.user?.id;
    if (!mine && news) byId('announcer').textContent = `${this.nameOf(m.sender_id)} ${m.mentions?.includes(this.session.user?.id ?? '') ? 'mentioned you' : 'wrote'} in ${this.titleOf(entry)}: ${m.body.text}`;
    if (entry.dto.id === this.activeId && document.visibilityState !== 'hidden') this.markActiveRead();
    else if (!mine && news && m.seq > entry.dto.me.last_read_seq) {
      entry.dto = { ...entry.dto, me: { ...entry.dto.me, unread_count: entry.dto.me.unread_count + 1 } };
    }
    this.render();
  }

  private onClientError(e: ParleyClientError): void {
    if (e.code === 'PROTOCOL_ERROR' || e.code === 'DISCONNECTED' || e.code === 'CONNECT_FAILED') {
      console.warn('parley client:', e);
      return;
    }
    this.sideError(errorText(e));
  }

  /** Coalesces renders to one per frame. */
  private render(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.renderNow();
    });
  }

  private renderNow(): void {
    renderConversationList(byId('conversations'), this.store.ordered(), {
      activeId: this.activeId,
      titleOf: (entry) => this.titleOf(entry),
      presenceOf: (userId) => this.presence.get(userId),
      open: (id) => void this.open(id),
    });
    const entry = this.activeId ? this.store.conversations.get(this.activeId) : undefined;
    renderActiveConversation(entry, this.store, {
      me: this.session.user?.id ?? '',
      presenceOf: (userId) => this.presence.get(userId),
      nameOf: (id) => this.nameOf(id),
      titleOf: (e) => this.titleOf(e),
      act: (action, m) => (action === 'report' ? void this.moderation.report(m) : this.actions.act(action, m)),
      download: (id, a) => void saveAttachment(this.rest, id, a).catch((e: unknown) => this.banner(`Could not download: ${errorText(e)}`, false)),
    });
    this.members?.sync(entry?.dto.type === 'group', this.shownId !== this.activeId);
    this.moderation.sync(this.shownId !== this.activeId);
    this.shownId = this.activeId;
    this.callUi?.render();
  }

  /** The banner above the messages; a connection problem clears itself once the socket is open again. */
  private banner(message: string, connection: boolean): void {
    byId('banner').textContent = message;
    this.connectionProblem = message !== '' && connection;
  }

  sideError(message: string): void {
    byId('side-error').textContent = message;
  }

  private resetChat(): void {
    for (const entry of this.store.ordered()) this.store.removeConversation(entry.dto.id);
    this.activeId = null;
    this.banner('', false);
    byId('chat-view').classList.remove('conversation-open');
    this.presence.clear();
    byId('conversations').replaceChildren();
    byId<HTMLInputElement>('composer').disabled = true;
    byId<HTMLButtonElement>('send').disabled = true;
    this.render();
  }
}
