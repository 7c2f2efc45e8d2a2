import { ParleyApiError, ParleyClient, ParleyClientError, ParleyRest } from '@parley/client';
import { ConversationDto, MessageDto, PresenceStatus, ReadEventFrame, TypingEventFrame, UserDto } from '@parley/protocol';
import { CallController } from './call-controller';
import { ChatStore, ConversationEntry } from './chat-store';
import { byId, el, errorText, show } from './dom';
import { Session } from './session';
import { bindCodeSignIn } from './code-sign-in';

const TYPING_SHOWN_MS = 6_000;
const TYPING_RESEND_MS = 3_000;
const TYPING_IDLE_MS = 4_000;
const MAX_USERNAMES_PER_GROUP = 50;

/** The chat page: binds the Parley SDK to the DOM of index.html. */
export class ChatApp {
  private readonly rest: ParleyRest;
  private readonly store = new ChatStore();
  private readonly users = new Map<string, UserDto>();
  private readonly userLookups = new Set<string>();
  private readonly presence = new Map<string, PresenceStatus>();
  private client: ParleyClient | null = null;
  private callUi: CallController | null = null;
  private activeId: string | null = null;
  private typingSentAt = 0;
  private typingIdle: ReturnType<typeof setTimeout> | null = null;
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

  // --- auth view ---

  private bindForms(): void {
    const form = byId<HTMLFormElement>('auth-form');
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.authenticate('login');
    });
    byId('register').addEventListener('click', () => void this.authenticate('register'));
    bindCodeSignIn(this.session, () => this.enterChat());
    byId('logout').addEventListener('click', () => void this.logout());
    byId<HTMLFormElement>('direct-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.startDirect();
    });
    byId<HTMLFormElement>('group-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.startGroup();
    });
    byId<HTMLFormElement>('composer-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.sendComposed();
    });
    byId<HTMLInputElement>('composer').addEventListener('input', () => this.onComposerInput());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && this.activeId) this.markActiveRead();
    });
  }

  private async authenticate(mode: 'login' | 'register'): Promise<void> {
    const username = byId<HTMLInputElement>('username').value.trim();
    const password = byId<HTMLInputElement>('password').value;
    const errorBox = byId('auth-error');
    errorBox.textContent = '';
    if (!username || !password) {
      errorBox.textContent = 'Enter a username and a password.';
      return;
    }
    // The server checks the form of a new username and password; its 400 names what is wrong.
    try {
      if (mode === 'register') await this.session.register(username, password);
      else await this.session.login(username, password);
    } catch (e) {
      errorBox.textContent = e instanceof ParleyApiError && e.code === 'CONFLICT' ? 'That username is taken.' : errorText(e);
      return;
    }
    byId<HTMLInputElement>('password').value = '';
    await this.enterChat();
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

  // --- chat view ---

  private async enterChat(): Promise<void> {
    const me = this.session.user;
    if (!me) return this.showAuth('');
    this.users.set(me.id, me);
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
    await this.connect(this.client);
  }

  private createClient(): ParleyClient {
    const client = new ParleyClient({
      wsUrl: this.wsUrl,
      getToken: (request) => this.session.token(request.reason === 'expired' || request.reason === 'upgrade-failed'),
    });
    client.on('state', (state) => {
      byId('connection').textContent = state === 'open' ? 'online' : state === 'connecting' ? 'connecting…' : 'offline';
    });
    client.on('message', (m) => this.onMessage(m));
    client.on('typing', (t) => this.onTyping(t));
    client.on('read', (r) => this.onRead(r));
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

  /** The first connect may fail on an expired token at the upgrade: refresh, back off, retry. */
  private async connect(client: ParleyClient): Promise<void> {
    for (let attempt = 0; this.client === client; attempt++) {
      try {
        await client.connect();
        return;
      } catch (e) {
        if (this.client !== client) return;
        console.warn('connect failed', e);
        try {
          if (!(await this.session.refresh())) return;
        } catch (refreshError) {
          console.warn('token refresh failed', refreshError);
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** attempt)));
      }
    }
  }

  private async loadConversations(): Promise<void> {
    const page = await this.rest.listConversations({ limit: 100 });
    for (const dto of page.conversations) this.track(this.store.upsertConversation(dto, 'bottom'));
    this.render();
    await Promise.all(page.conversations.map((dto) => this.loadPartner(dto.id)));
    this.render();
  }

  private track(entry: ConversationEntry): void {
    this.client?.trackConversation(entry.dto.id, entry.dto.last_seq);
  }

  /** A conversation we learned of live (added to it, or a message in it): fetch and list it. */
  private async adopt(dto: ConversationDto | null, id?: string): Promise<ConversationEntry | null> {
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

  private async startDirect(): Promise<void> {
    const input = byId<HTMLInputElement>('direct-username');
    const username = input.value.trim().toLowerCase();
    this.sideError('');
    if (!username) return;
    try {
      const user = await this.rest.findUserByUsername(username);
      if (!user) return this.sideError(`No user named ${username}.`);
      this.users.set(user.id, user);
      const { conversation } = await this.rest.createConversation({ type: 'direct', member_ids: [user.id] });
      const entry = await this.adopt(conversation);
      input.value = '';
      if (entry) await this.open(entry.dto.id);
    } catch (e) {
      this.sideError(errorText(e));
    }
  }

  private async startGroup(): Promise<void> {
    const title = byId<HTMLInputElement>('group-title').value.trim();
    const names = byId<HTMLInputElement>('group-members').value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
    this.sideError('');
    if (!title) return this.sideError('A group needs a title.');
    if (names.length > MAX_USERNAMES_PER_GROUP) return this.sideError(`At most ${MAX_USERNAMES_PER_GROUP} usernames at once.`);
    try {
      const found = await Promise.all(names.map((n) => this.rest.findUserByUsername(n)));
      const missing = names.filter((_, i) => !found[i]);
      if (missing.length > 0) return this.sideError(`Unknown: ${missing.join(', ')}`);
      const ids = found.filter((u): u is UserDto => u !== null).map((u) => {
        this.users.set(u.id, u);
        return u.id;
      });
      const { conversation } = await this.rest.createConversation({ type: 'group', title, member_ids: [...new Set(ids)] });
      const entry = await this.adopt(conversation);
      byId<HTMLInputElement>('group-title').value = '';
      byId<HTMLInputElement>('group-members').value = '';
      if (entry) await this.open(entry.dto.id);
    } catch (e) {
      this.sideError(errorText(e));
    }
  }

  private async open(conversationId: string): Promise<void> {
    const entry = this.store.conversations.get(conversationId);
    if (!entry) return;
    this.activeId = conversationId;
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
        this.sideError(`Could not load messages: ${errorText(e)}`);
      }
    }
    this.markActiveRead();
    this.render();
    byId<HTMLInputElement>('composer').focus();
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
    const clientMsgId = crypto.randomUUID();
    this.store.addPending(entry, me, clientMsgId, text);
    input.value = '';
    this.stopTyping();
    this.render();
    this.client.send(entry.dto.id, text, { clientMsgId }).then(
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

  private onComposerInput(): void {
    if (!this.activeId || !this.client) return;
    const now = Date.now();
    if (now - this.typingSentAt > TYPING_RESEND_MS) {
      this.client.typing(this.activeId, 'start');
      this.typingSentAt = now;
    }
    if (this.typingIdle) clearTimeout(this.typingIdle);
    this.typingIdle = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  private stopTyping(): void {
    if (this.typingIdle) clearTimeout(this.typingIdle);
    this.typingIdle = null;
    if (this.typingSentAt > 0 && this.activeId) this.client?.typing(this.activeId, 'stop');
    this.typingSentAt = 0;
  }

  // --- live events ---

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
    if (entry.dto.id === this.activeId && document.visibilityState !== 'hidden') this.markActiveRead();
    else if (!mine && news && m.seq > entry.dto.me.last_read_seq) {
      entry.dto = { ...entry.dto, me: { ...entry.dto.me, unread_count: entry.dto.me.unread_count + 1 } };
    }
    this.render();
  }

  private onTyping(t: TypingEventFrame): void {
    const entry = this.store.conversations.get(t.conversation_id);
    if (!entry || t.user_id === this.session.user?.id) return;
    const previous = entry.typing.get(t.user_id);
    if (previous) clearTimeout(previous);
    entry.typing.delete(t.user_id);
    if (t.state === 'start') {
      entry.typing.set(
        t.user_id,
        setTimeout(() => {
          entry.typing.delete(t.user_id);
          this.render();
        }, TYPING_SHOWN_MS),
      );
    }
    this.render();
  }

  private onRead(r: ReadEventFrame): void {
    const entry = this.store.conversations.get(r.conversation_id);
    if (!entry) return;
    const me = this.session.user?.id;
    if (r.user_id !== undefined && r.user_id === me) {
      // Read on another device of mine.
      const lastRead = Math.max(r.seq, entry.dto.me.last_read_seq);
      entry.dto = { ...entry.dto, me: { ...entry.dto.me, last_read_seq: lastRead, unread_count: Math.max(0, entry.dto.last_seq - lastRead) } };
    } else if (r.user_id !== undefined) {
      entry.readers.set(r.user_id, Math.max(r.seq, entry.readers.get(r.user_id) ?? 0));
    } else if (r.read_by !== undefined) {
      entry.readCount = { seq: r.seq, count: r.read_by };
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

  // --- rendering ---

  /** Coalesces renders to one per frame. */
  private render(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.renderConversations();
      this.renderActive();
      this.callUi?.render();
    });
  }

  private renderConversations(): void {
    const list = byId('conversations');
    const items = this.store.ordered().map((entry) => {
      const unread = entry.dto.me.unread_count;
      const partnerStatus = entry.partnerId ? this.presence.get(entry.partnerId) : undefined;
      const li = el(
        'li',
        { class: entry.dto.id === this.activeId ? 'conversation active' : 'conversation', 'data-id': entry.dto.id, 'data-testid': 'conversation' },
        ...(entry.dto.type === 'direct' ? [el('span', { class: `dot${partnerStatus === 'online' ? ' online' : ''}`, title: partnerStatus ?? 'unknown' })] : []),
        el('span', { class: 'name' }, this.titleOf(entry)),
        ...(unread > 0 ? [el('span', { class: 'unread', 'data-testid': 'unread' }, String(unread))] : []),
      );
      li.addEventListener('click', () => void this.open(entry.dto.id));
      return li;
    });
    list.replaceChildren(...items);
  }

  private renderActive(): void {
    const entry = this.activeId ? this.store.conversations.get(this.activeId) : undefined;
    const list = byId('messages');
    const presenceDot = byId('presence');
    if (!entry) {
      byId('conversation-title').textContent = 'No conversation open';
      show(presenceDot, false);
      list.replaceChildren(el('li', { class: 'placeholder' }, 'Pick a conversation or start one.'));
      byId('typing').textContent = '';
      return;
    }
    byId('conversation-title').textContent = this.titleOf(entry);
    const partnerStatus = entry.partnerId ? this.presence.get(entry.partnerId) : undefined;
    show(presenceDot, entry.dto.type === 'direct');
    presenceDot.className = `dot${partnerStatus === 'online' ? ' online' : ''}`;
    presenceDot.title = partnerStatus ?? 'unknown';

    const me = this.session.user?.id ?? '';
    const messages = this.store.sortedMessages(entry);
    const lastMine = [...messages].reverse().find((m) => m.sender_id === me && m.seq !== null);
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.replaceChildren(
      ...messages.map((m) => {
        const mine = m.sender_id === me;
        let status = '';
        if (m.status === 'sending') status = 'sending…';
        else if (m.status === 'failed') status = `not sent (${m.error ?? 'error'})`;
        else if (m === lastMine && m.seq !== null) {
          const readers = this.store.readersOf(entry, m.seq, me);
          status = readers === 0 ? 'sent' : entry.dto.type === 'direct' ? 'read' : `read by ${readers}`;
        }
        return el(
          'li',
          { class: mine ? 'message mine' : 'message', 'data-testid': 'message', 'data-seq': m.seq ?? undefined, 'data-mine': mine },
          ...(mine || entry.dto.type === 'direct' ? [] : [el('span', { class: 'sender' }, this.nameOf(m.sender_id))]),
          el('span', { class: 'text' }, m.text),
          ...(m.note ? [el('span', { class: 'note', 'data-testid': 'note' }, m.note)] : []),
          ...(status ? [el('span', { class: 'status', 'data-testid': 'status' }, status)] : []),
        );
      }),
    );
    if (nearBottom || messages.length === 0) list.scrollTop = list.scrollHeight;

    const typers = [...entry.typing.keys()].map((id) => this.nameOf(id));
    byId('typing').textContent =
      typers.length === 0 ? '' : typers.length === 1 ? `${typers[0]} is typing…` : typers.length === 2 ? `${typers[0]} and ${typers[1]} are typing…` : 'Several people are typing…';
  }

  private sideError(message: string): void {
    byId('side-error').textContent = message;
  }

  private resetChat(): void {
    for (const entry of this.store.ordered()) this.store.removeConversation(entry.dto.id);
    this.activeId = null;
    this.presence.clear();
    byId('conversations').replaceChildren();
    byId<HTMLInputElement>('composer').disabled = true;
    byId<HTMLButtonElement>('send').disabled = true;
    this.render();
  }
}
