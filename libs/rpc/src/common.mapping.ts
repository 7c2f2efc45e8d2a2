import { RANKS, type Attachment, type MemberRole, type Message, type Rank, type User, type ConversationType } from '@parley/domain';
import type { ConversationView, MemberView } from '@parley/ports';
import { count, type Maybe, oneOf, orNull, required } from './wire-values';

/*
 * Wire shapes of common.proto. Domain objects are assignable to them as they are (encoding is the
 * identity, checked by the compiler); decoding copies, checks unions and turns absence into null.
 */

export const CONVERSATION_TYPES: readonly ConversationType[] = ['direct', 'group'];
export const MEMBER_ROLES: readonly MemberRole[] = ['admin', 'member'];

export interface WireUser {
  id: string;
  username: string;
  display_name: string;
  created_at: string;
}

export interface WireMessage {
  id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  client_msg_id: string;
  body: Maybe<{ text: string; attachments?: Maybe<Attachment[]> }>;
  created_at: string;
  mentions?: Maybe<string[]>;
  call?: Maybe<{ call_id: string; media: string; outcome: string; started_at: string; duration_ms: number }>;
  reply_to?: Maybe<number>;
  kind?: Maybe<string>;
  target_seq?: Maybe<number>;
  reaction?: Maybe<{ emoji: string; action: string; count: number }>;
  edited_at?: Maybe<string>;
  deleted_at?: Maybe<string>;
  deleted_by?: Maybe<string>;
  reactions?: Maybe<Array<{ emoji: string; count: number; user_ids?: Maybe<string[]> }>>;
}

const ENTRY_KINDS = ['edit', 'delete', 'reaction'] as const;

/** Issue 13's fields of a message, each absent when the wire has its zero value. */
function lifecycleFromWire(wire: WireMessage, field: string): Partial<Message> {
  const out: Partial<Message> = {};
  if (wire.reply_to) out.reply_to = count(wire.reply_to, `${field}.reply_to`);
  if (wire.kind) out.kind = oneOf(wire.kind, ENTRY_KINDS, `${field}.kind`);
  if (wire.target_seq) out.target_seq = count(wire.target_seq, `${field}.target_seq`);
  if (wire.reaction && wire.reaction.emoji) {
    out.reaction = { emoji: wire.reaction.emoji, action: oneOf(wire.reaction.action, ['add', 'remove'] as const, `${field}.reaction.action`), count: count(wire.reaction.count, `${field}.reaction.count`) };
  }
  if (wire.edited_at) out.edited_at = wire.edited_at;
  if (wire.deleted_at) out.deleted_at = wire.deleted_at;
  if (wire.deleted_by) out.deleted_by = wire.deleted_by;
  if (wire.reactions && wire.reactions.length > 0) {
    out.reactions = wire.reactions.map((r, i) => {
      const n = count(r.count, `${field}.reactions[${i}].count`);
      return r.user_ids && r.user_ids.length > 0 ? { emoji: r.emoji, count: n, user_ids: [...r.user_ids] } : { emoji: r.emoji, count: n };
    });
  }
  return out;
}

export interface WireConversationView {
  id: string;
  type: string;
  title?: Maybe<string>;
  created_at: string;
  member_count: number;
  last_seq: number;
  me: Maybe<{ role: string; rank: string; last_read_seq: number; unread_count: number }>;
}

export interface WireMemberView {
  user_id: string;
  role: string;
  rank: string;
  joined_at: string;
}

export interface WireUserIds {
  user_ids: string[];
}

export type WireEmpty = Record<string, never>;
export const EMPTY: WireEmpty = {};

export function userFromWire(wire: WireUser): User {
  return { id: wire.id, username: wire.username, display_name: wire.display_name, created_at: wire.created_at };
}

export function messageFromWire(wire: WireMessage, field = 'message'): Message {
  const body = required(wire.body, `${field}.body`);
  return {
    id: wire.id,
    conversation_id: wire.conversation_id,
    seq: count(wire.seq, `${field}.seq`),
    sender_id: wire.sender_id,
    client_msg_id: wire.client_msg_id,
    body: body.attachments && body.attachments.length > 0
      ? { text: body.text, attachments: body.attachments.map((a) => ({ id: a.id, content_type: a.content_type, size: count(a.size, `${field}.body.attachments.size`), thumbnail: a.thumbnail === true })) }
      : { text: body.text },
    created_at: wire.created_at,
    ...(wire.mentions && wire.mentions.length > 0 ? { mentions: [...wire.mentions] } : {}),
    ...(wire.call ? { call: callFromWire(wire.call, `${field}.call`) } : {}),
    ...lifecycleFromWire(wire, field),
  };
}

export function conversationViewFromWire(wire: WireConversationView, field = 'conversation'): ConversationView {
  const me = required(wire.me, `${field}.me`);
  return {
    id: wire.id,
    type: oneOf(wire.type, CONVERSATION_TYPES, `${field}.type`),
    title: orNull(wire.title),
    created_at: wire.created_at,
    member_count: count(wire.member_count, `${field}.member_count`),
    last_seq: count(wire.last_seq, `${field}.last_seq`),
    me: {
      role: oneOf(me.role, MEMBER_ROLES, `${field}.me.role`),
      rank: rankFromWire(me.rank, me.role, `${field}.me.rank`),
      last_read_seq: count(me.last_read_seq, `${field}.me.last_read_seq`),
      unread_count: count(me.unread_count, `${field}.me.unread_count`),
    },
  };
}

export function memberViewFromWire(wire: WireMemberView): MemberView {
  return { user_id: wire.user_id, role: oneOf(wire.role, MEMBER_ROLES, 'member.role'), rank: rankFromWire(wire.rank, wire.role, 'member.rank'), joined_at: wire.joined_at };
}

function callFromWire(c: NonNullable<WireMessage['call']>, field: string): NonNullable<Message['call']> {
  return {
    call_id: c.call_id,
    media: oneOf(c.media, ['audio', 'video'] as const, `${field}.media`),
    outcome: oneOf(c.outcome, ['completed', 'missed', 'rejected', 'cancelled', 'busy'] as const, `${field}.outcome`),
    started_at: c.started_at,
    duration_ms: count(c.duration_ms, `${field}.duration_ms`),
  };
}

/** Issue 13.4: a rank; a peer built before ranks sends none, and its `role` stands for it. */
function rankFromWire(rank: string, role: string, field: string): Rank {
  return rank === '' ? (role === 'admin' ? 'admin' : 'member') : oneOf(rank, RANKS, field);
}
