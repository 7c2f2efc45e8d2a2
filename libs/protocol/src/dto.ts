import type { CallSummary } from './schema/call-frames.schema';
/** Wire shapes of the public REST API v1 (snake_case, as on the wire). */

export type ConversationType = 'direct' | 'group';
export type MemberRole = 'admin' | 'member';
export type PresenceStatus = 'online' | 'offline';

export type ApiErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE';

export interface UserDto {
  id: string;
  username: string;
  display_name: string;
  created_at: string;
}

export interface MessageBodyDto {
  text: string;
  /** Extension: attachments, checked at send time; absent when none. */
  attachments?: AttachmentDto[];
}

/** Extension: an attachment as a message carries it (its type sniffed from its bytes). */
export interface AttachmentDto {
  id: string;
  content_type: string;
  size: number;
  thumbnail: boolean;
}

export interface MessageDto {
  id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  client_msg_id: string;
  body: MessageBodyDto;
  created_at: string;
  /** Extension: users mentioned (`@username`, resolved to member ids at send time); absent when none. */
  mentions?: string[];
  /** Extension: set on the system message a finished call leaves (docs/api/v1.md, Calls). */
  call?: CallSummary;
  // Extension, issue 13 (docs/adr/0010-message-lifecycle.md): each absent when unused.
  reply_to?: number;
  /** Absent for a message; an entry of the seq stream that changes message `target_seq`. */
  kind?: 'edit' | 'delete' | 'reaction';
  target_seq?: number;
  reaction?: { emoji: string; action: 'add' | 'remove'; count: number };
  edited_at?: string;
  deleted_at?: string;
  deleted_by?: string;
  reactions?: Array<{ emoji: string; count: number; user_ids?: string[] }>;
}

/** Extension, issue 13: the texts an edited message had before each edit (moderators only). */
export interface RevisionsDto {
  conversation_id: string;
  seq: number;
  revisions: Array<{ entry_seq: number; text: string; replaced_at: string }>;
}

export interface ConversationMeDto {
  role: MemberRole;
  /** Extension (issue 13.4): owner, admin, moderator or member; `role` is its v1 view. */
  rank?: 'owner' | 'admin' | 'moderator' | 'member';
  last_read_seq: number;
  /** Messages with `seq > last_read_seq`. */
  unread_count: number;
}

export interface ConversationDto {
  id: string;
  type: ConversationType;
  title: string | null;
  created_at: string;
  member_count: number;
  last_seq: number;
  me: ConversationMeDto;
}

export interface MemberDto {
  user_id: string;
  role: MemberRole;
  /** Extension (issue 13.4): owner, admin, moderator or member. */
  rank?: 'owner' | 'admin' | 'moderator' | 'member';
  joined_at: string;
}

export interface AuthResponse {
  user: UserDto;
  access_token: string;
  refresh_token: string;
  /** Seconds until the access token expires. */
  expires_in: number;
}

export interface PresenceDto {
  user_id: string;
  status: PresenceStatus;
  last_seen_at: string | null;
}

/** Every non-2xx answer. `code` is one of `ApiErrorCode`; typed as string so a newer server's codes still parse. */
export interface ErrorBody {
  error: { code: string; message: string };
}

export interface ConversationPageDto {
  conversations: ConversationDto[];
  next_cursor: string | null;
}

export interface MemberPageDto {
  members: MemberDto[];
  next_cursor: string | null;
}

export interface HistoryDto {
  messages: MessageDto[];
  has_more: boolean;
}

/** Extension (issue 13.3): GET /v1/search/messages. */
export interface SearchResultsDto {
  messages: MessageDto[];
  next_cursor: string | null;
}

export interface AddMembersResponse {
  added: string[];
}

export interface SendMessageResponse {
  message: MessageDto;
}

/** Extension to v1: `GET /v1/users?username=<name>` → 200 `{user}` or 404. */
export interface UserLookupResponse {
  user: UserDto;
}

/** Extension to v1: `GET /v1/conversations/{id}/read-receipts?seq=N` → 200, "read by N". */
export interface ReadReceiptsDto {
  conversation_id: string;
  seq: number;
  /** Members whose read marker is at or past `seq`. */
  read_by: number;
}

/** One-time-code sign-in (docs/adr/0012): the answer to a code request, the same whether or not an account exists. */
export interface CodeSentResponse {
  expires_in: number;
}

/** A code sign-in: the tokens of a password sign-in, and whether this sign-in created the account. */
export interface CodeAuthResponse extends AuthResponse {
  new_user: boolean;
}

/** A verified phone number (E.164) or e-mail address of the caller. */
export interface IdentityDto {
  channel: 'sms' | 'email';
  destination: string;
  verified_at: string;
}

/** Extension (attachments): a request the client makes itself, straight to the file store. */
export interface SignedRequestDto {
  method: 'PUT' | 'GET';
  /** Absolute, or a path on the gateway to resolve against its base URL. */
  url: string;
  headers: Record<string, string>;
  expires_at: string;
}

/** Extension (attachments): the answer to POST /v1/conversations/{id}/attachments. */
export interface AttachmentUploadDto {
  attachment: { id: string; content_type: string; size: number };
  upload: SignedRequestDto;
}

/** Extension (attachments): the answer to GET /v1/conversations/{id}/attachments/{attachmentId}. */
export interface AttachmentDownloadDto {
  attachment: AttachmentDto;
  download: SignedRequestDto;
  thumbnail: SignedRequestDto | null;
}
