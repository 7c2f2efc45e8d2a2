import { AttachmentDto, ConversationDto, MessageDto, ReadEventFrame } from '@parley/protocol';

/** What the page shows of one message: stored ones have a seq; the user's own pending ones do not yet. */
export interface ShownMessage {
  key: string;
  seq: number | null;
  sender_id: string;
  client_msg_id: string;
  text: string;
  created_at: string;
  status: 'sending' | 'sent' | 'failed';
  error?: string;
  /** Issue 13: "edited", "deleted" and reaction counts, shown beside the text. */
  note?: string;
  /** The seq this message answers, if it is a reply. */
  reply_to?: number;
  /** The user ids the text mentions (`@username`, resolved by the server). */
  mentions?: string[];
  attachments?: AttachmentDto[];
  /** The emojis the signed-in user reacted with (from `reactions[].user_ids`, then from reaction entries). */
  myReactions?: string[];
}

/** What the page says about a message's lifecycle state (docs/api/v1.md, message lifecycle). */
function noteOf(m: Pick<MessageDto, 'edited_at' | 'deleted_at' | 'reactions'>): string | undefined {
  if (m.deleted_at) return 'message deleted';
  const parts = [...(m.edited_at ? ['edited'] : []), ...(m.reactions ?? []).map((r) => `${r.emoji} ${r.count}`)];
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

export interface ConversationEntry {
  dto: ConversationDto;
  /** The other member of a direct conversation, once known. */
  partnerId: string | null;
  messages: Map<string, ShownMessage>;
  /** Who read up to which seq (from read events). */
  readers: Map<string, number>;
  /** Large groups report reads as counts. */
  readCount: { seq: number; count: number } | null;
  typing: Map<string, ReturnType<typeof setTimeout>>;
  historyLoaded: boolean;
  /** The latest message (text and time) for the conversation list. */
  preview?: { seq: number | null; text: string; at: string };
  /** The message a search result opened the conversation at (marked and focusable). */
  highlightSeq?: number;
}

/** Messages kept per conversation in the page; older ones drop off (the server keeps them). */
export const MAX_SHOWN_MESSAGES = 500;

/** Marks (or unmarks) one of the user's own reactions on a shown message. */
export function setMyReaction(m: ShownMessage, emoji: string, reacted: boolean): void {
  const others = (m.myReactions ?? []).filter((e) => e !== emoji);
  m.myReactions = reacted ? [...others, emoji] : others;
}

const keyOf = (senderId: string, clientMsgId: string) => `${senderId}\u0000${clientMsgId}`;

/** The page's model of conversations and messages, free of DOM code. */
export class ChatStore {
  readonly conversations = new Map<string, ConversationEntry>();
  /** Conversation ids, most recently active first. */
  private order: string[] = [];
  /** The signed-in user, to tell which reactions are theirs. */
  me: string | undefined;

  upsertConversation(dto: ConversationDto, position: 'top' | 'bottom' = 'top'): ConversationEntry {
    const existing = this.conversations.get(dto.id);
    if (existing) {
      existing.dto = { ...dto, last_seq: Math.max(dto.last_seq, existing.dto.last_seq) };
      return existing;
    }
    const entry: ConversationEntry = {
      dto,
      partnerId: null,
      messages: new Map(),
      readers: new Map(),
      readCount: null,
      typing: new Map(),
      historyLoaded: false,
    };
    this.conversations.set(dto.id, entry);
    if (position === 'top') this.order.unshift(dto.id);
    else this.order.push(dto.id);
    return entry;
  }

  removeConversation(id: string): void {
    const entry = this.conversations.get(id);
    if (entry) for (const t of entry.typing.values()) clearTimeout(t);
    this.conversations.delete(id);
    this.order = this.order.filter((x) => x !== id);
  }

  ordered(): ConversationEntry[] {
    return this.order.map((id) => this.conversations.get(id)).filter((e): e is ConversationEntry => e !== undefined);
  }

  touch(id: string): void {
    this.order = [id, ...this.order.filter((x) => x !== id)];
  }

  /** Adds a stored message (from history or live); replaces the pending copy of the user's own. */
  addStored(entry: ConversationEntry, m: MessageDto): void {
    if (m.seq > entry.dto.last_seq) entry.dto = { ...entry.dto, last_seq: m.seq };
    if (m.kind !== undefined) return this.applyEntry(entry, m);
    const key = keyOf(m.sender_id, m.client_msg_id);
    const note = noteOf(m);
    entry.messages.set(key, {
      ...(note ? { note } : {}),
      key,
      seq: m.seq,
      sender_id: m.sender_id,
      client_msg_id: m.client_msg_id,
      text: m.body.text,
      created_at: m.created_at,
      status: 'sent',
      ...(m.reply_to === undefined ? {} : { reply_to: m.reply_to }),
      ...(m.mentions === undefined ? {} : { mentions: m.mentions }),
      ...(m.body.attachments === undefined ? {} : { attachments: m.body.attachments }),
      ...this.myReactionsOf(m, entry.messages.get(key)),
    });
    if (!entry.preview || (entry.preview.seq !== null && m.seq >= entry.preview.seq)) {
      entry.preview = { seq: m.seq, text: m.deleted_at ? 'message deleted' : m.body.text, at: m.created_at };
    }
    this.trim(entry);
  }

  /** An edit, delete or reaction entry changes the shown message at its target_seq (if still shown); it is no row of its own. */
  private applyEntry(entry: ConversationEntry, m: MessageDto): void {
    const target = [...entry.messages.values()].find((x) => x.seq === m.target_seq);
    if (!target) return;
    if (m.kind === 'edit' && !target.note?.startsWith('message deleted')) {
      target.text = m.body.text;
      if (entry.preview?.seq === target.seq) entry.preview = { ...entry.preview, text: m.body.text };
      target.note = ['edited', ...(target.note ?? '').split(' · ').filter((p) => p && p !== 'edited')].join(' · ');
    } else if (m.kind === 'delete') {
      target.text = '';
      target.note = 'message deleted';
      if (entry.preview?.seq === target.seq) entry.preview = { ...entry.preview, text: 'message deleted' };
    } else if (m.kind === 'reaction' && m.reaction) {
      const { emoji, count } = m.reaction;
      const others = (target.note ?? '').split(' · ').filter((p) => p && !p.startsWith(`${emoji} `));
      target.note = [...others, ...(count > 0 ? [`${emoji} ${count}`] : [])].join(' · ') || undefined;
      if (m.sender_id === this.me) setMyReaction(target, emoji, m.reaction.action === 'add');
    }
  }

  /**
   * A stored message names its reactors only at or below the large-group threshold; above it (counts
   * only) the page keeps what it learned from reaction entries.
   */
  private myReactionsOf(m: MessageDto, shown: ShownMessage | undefined): Pick<ShownMessage, 'myReactions'> {
    const me = this.me;
    const reactions = m.reactions ?? [];
    const countsOnly = reactions.some((r) => r.user_ids === undefined);
    const mine = countsOnly ? (shown?.myReactions ?? []) : me === undefined ? [] : reactions.filter((r) => r.user_ids?.includes(me)).map((r) => r.emoji);
    return mine.length > 0 ? { myReactions: mine } : {};
  }

  addPending(entry: ConversationEntry, senderId: string, clientMsgId: string, text: string, replyTo?: number): void {
    const key = keyOf(senderId, clientMsgId);
    const at = new Date().toISOString();
    entry.messages.set(key, { key, seq: null, sender_id: senderId, client_msg_id: clientMsgId, text, created_at: at, status: 'sending', ...(replyTo === undefined ? {} : { reply_to: replyTo }) });
    entry.preview = { seq: null, text, at };
    this.trim(entry);
  }

  settlePending(entry: ConversationEntry, senderId: string, clientMsgId: string, outcome: { seq: number } | { error: string }): void {
    const shown = entry.messages.get(keyOf(senderId, clientMsgId));
    if (!shown) return;
    if ('seq' in outcome) {
      shown.seq = shown.seq ?? outcome.seq;
      shown.status = 'sent';
      if (entry.preview && entry.preview.seq === null) entry.preview = { ...entry.preview, seq: shown.seq };
    } else {
      shown.status = 'failed';
      shown.error = outcome.error;
    }
  }

  /** Stored messages by seq, then the pending ones in the order they were written. */
  sortedMessages(entry: ConversationEntry): ShownMessage[] {
    const all = [...entry.messages.values()];
    const stored = all.filter((m) => m.seq !== null).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    return [...stored, ...all.filter((m) => m.seq === null)];
  }

  /** A read frame: my own read on another device, a member's receipt, or a large group's count. */
  applyRead(entry: ConversationEntry, r: ReadEventFrame, me: string | undefined): void {
    if (r.user_id !== undefined && r.user_id === me) {
      const lastRead = Math.max(r.seq, entry.dto.me.last_read_seq);
      entry.dto = { ...entry.dto, me: { ...entry.dto.me, last_read_seq: lastRead, unread_count: Math.max(0, entry.dto.last_seq - lastRead) } };
    } else if (r.user_id !== undefined) {
      entry.readers.set(r.user_id, Math.max(r.seq, entry.readers.get(r.user_id) ?? 0));
    } else if (r.read_by !== undefined) {
      entry.readCount = { seq: r.seq, count: r.read_by };
    }
  }

  /** How many others have read up to `seq`, from named receipts or the large-group count. */
  readersOf(entry: ConversationEntry, seq: number, me: string): number {
    let n = 0;
    for (const [userId, readSeq] of entry.readers) if (userId !== me && readSeq >= seq) n++;
    if (entry.readCount && entry.readCount.seq >= seq) n = Math.max(n, entry.readCount.count);
    return n;
  }

  private trim(entry: ConversationEntry): void {
    if (entry.messages.size <= MAX_SHOWN_MESSAGES) return;
    const oldest = this.sortedMessages(entry).slice(0, entry.messages.size - MAX_SHOWN_MESSAGES);
    for (const m of oldest) entry.messages.delete(m.key);
  }
}
