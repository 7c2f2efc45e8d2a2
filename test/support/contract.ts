/**
 * The public contract (shared/api/v1.md) as the black-box tests see it. These types are written from
 * the contract, not imported from the server, so a server-side rename cannot silently agree with itself.
 */

export interface WireUser {
  id: string;
  username: string;
  display_name: string;
  created_at: string;
}

export interface AuthResult {
  user: WireUser;
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

export interface WireMessage {
  id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  client_msg_id: string;
  body: { text: string };
  created_at: string;
  // Issue 13 (docs/adr/0010-message-lifecycle.md): each absent when unused.
  mentions?: string[];
  reply_to?: number;
  kind?: 'edit' | 'delete' | 'reaction';
  target_seq?: number;
  reaction?: { emoji: string; action: 'add' | 'remove'; count: number };
  edited_at?: string;
  deleted_at?: string;
  deleted_by?: string;
  reactions?: Array<{ emoji: string; count: number; user_ids?: string[] }>;
}

export interface WireConversation {
  id: string;
  type: 'direct' | 'group';
  title: string | null;
  created_at: string;
  member_count: number;
  last_seq: number;
  me: { role: 'admin' | 'member'; last_read_seq: number; unread_count: number };
}

export interface WireMember {
  user_id: string;
  role: 'admin' | 'member';
  joined_at: string;
}

export interface WireError {
  error: { code: string; message: string };
}

export interface HistoryPage {
  messages: WireMessage[];
  has_more: boolean;
}

export interface Presence {
  user_id: string;
  status: 'online' | 'offline';
  last_seen_at: string | null;
}

/** Any frame; `type` is the only field every frame has. */
export interface Frame {
  type: string;
  [field: string]: unknown;
}

export interface HelloFrame extends Frame {
  type: 'hello';
  user_id: string;
  session_id: string;
  heartbeat_ms: number;
}

export interface MessageFrame extends Frame, WireMessage {
  type: 'message';
}

export interface PersistedAckFrame extends Frame {
  type: 'ack';
  status: 'persisted';
  client_msg_id: string;
  conversation_id: string;
  seq: number;
  message_id: string;
  created_at: string;
}

export interface ErrorFrame extends Frame {
  type: 'error';
  code: string;
  message: string;
  client_msg_id?: string;
}

export interface SyncDoneFrame extends Frame {
  type: 'sync.done';
  conversation_id: string;
  last_seq: number;
  has_more: boolean;
}

export const isMessageFrame = (f: Frame): f is MessageFrame => f.type === 'message';
