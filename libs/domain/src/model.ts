import type { Attachment } from './attachments';

/** The domain's records. Field names follow the public contract (snake_case on the wire). */

export type ConversationType = 'direct' | 'group';
/** The contract's `role` (v1): `admin` for an owner or an admin, `member` otherwise (see `Rank`). */
export type MemberRole = 'admin' | 'member';
/** Issue 13.4 (docs/adr/0017-moderation.md): a member's place in a group, highest first. */
export type Rank = 'owner' | 'admin' | 'moderator' | 'member';

export interface User {
  id: string;
  username: string;
  display_name: string;
  created_at: string;
}

export interface Conversation {
  id: string;
  type: ConversationType;
  title: string | null;
  created_at: string;
  member_count: number;
  /** Highest seq stored in this conversation; 0 when empty. */
  last_seq: number;
  /** When the last message was stored (or created_at): orders the conversation list. */
  last_activity_at: string;
}

export interface Membership {
  conversation_id: string;
  user_id: string;
  /** The stored rank; the contract's `role` is `roleOf(rank)`. */
  role: Rank;
  joined_at: string;
  last_read_seq: number;
}

export interface MessageBody {
  text: string;
  /** Files the message carries (docs/adr/0011-attachments.md); absent when none. */
  attachments?: Attachment[];
}

export interface Message {
  id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  client_msg_id: string;
  body: MessageBody;
  created_at: string;
  /** Users mentioned (`@username`, resolved to member ids at send time); absent when none. */
  mentions?: string[];
  /** Set on the system message a finished call leaves (docs/adr/0013-call-signaling.md). */
  call?: CallSummaryRecord;
  // Lifecycle (issue 13, docs/adr/0010-message-lifecycle.md); every field absent when unused.
  /** The seq of the message this one answers (same conversation). */
  reply_to?: number;
  /** Absent for a message; set on an entry of the seq stream that changes an earlier message. */
  kind?: EntryKind;
  /** The message an entry changes. */
  target_seq?: number;
  /** A reaction entry's change and the emoji's count after it. */
  reaction?: { emoji: string; action: 'add' | 'remove'; count: number };
  /** Current state of a message: when its text was last edited. */
  edited_at?: string;
  /** A tombstone: the message was deleted (its body is gone), by whom. */
  deleted_at?: string;
  deleted_by?: string;
  /** Current reaction counts; `user_ids` only below the large-group threshold. */
  reactions?: ReactionCount[];
}

export type EntryKind = 'edit' | 'delete' | 'reaction';

export interface ReactionCount {
  emoji: string;
  count: number;
  user_ids?: string[];
}

/** What a finished call leaves in its conversation; nothing of the call's media setup is kept. */
export interface CallSummaryRecord {
  call_id: string;
  media: 'audio' | 'video';
  outcome: 'completed' | 'missed' | 'rejected' | 'cancelled' | 'busy';
  started_at: string;
  duration_ms: number;
}
