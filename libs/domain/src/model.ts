import type { Attachment } from './attachments';

/** The domain's records. Field names follow the public contract (snake_case on the wire). */

export type ConversationType = 'direct' | 'group';
export type MemberRole = 'admin' | 'member';

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
  role: MemberRole;
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
}
