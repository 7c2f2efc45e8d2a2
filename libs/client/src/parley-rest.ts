import {
  AddMembersResponse,
  AttachmentDownloadDto,
  AttachmentUploadDto,
  SignedRequestDto,
  AuthResponse,
  CodeAuthResponse,
  CodeSentResponse,
  IdentityDto,
  ConversationDto,
  ConversationPageDto,
  CreateConversationInput,
  HistoryDto,
  SearchResultsDto,
  RevisionsDto,
  MemberPageDto,
  MessageDto,
  PresenceDto,
  SendMessageResponse,
  UserDto,
  UserLookupResponse,
  AuditEntryDto,
  BanDto,
  ModeratedMemberDto,
  ModerationSettingsDto,
  RankDto,
  ReportDto,
} from '@parley/protocol';
import { ParleyApiError } from './errors';

export interface ParleyRestOptions {
  /** Origin of the gateway, e.g. `http://127.0.0.1:8080` (no trailing `/v1`). */
  baseUrl: string;
  getAccessToken?: () => string | undefined;
  /**
   * Called once when an authenticated request answers 401. Resolve true after refreshing the
   * access token to have the request retried once with the new one.
   */
  onUnauthorized?: () => Promise<boolean>;
  fetchImpl?: typeof fetch;
}

export interface PageOptions {
  limit?: number;
  cursor?: string | null;
}

export interface HistoryOptions {
  after_seq?: number;
  before_seq?: number;
  limit?: number;
}

interface RequestOptions {
  body?: unknown;
  auth?: boolean;
  query?: Record<string, string | number | null | undefined>;
}

interface Answer<T> {
  status: number;
  data: T;
}

const enc = encodeURIComponent;

/** A thin typed client of the REST API v1. Every non-2xx answer throws `ParleyApiError`. */
export class ParleyRest {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ParleyRestOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    const f = options.fetchImpl ?? globalThis.fetch;
    if (typeof f !== 'function') throw new Error('ParleyRest needs fetch (Node 18+ or a browser), or pass fetchImpl');
    this.fetchImpl = f.bind(globalThis);
  }

  register(input: { username: string; password: string; display_name?: string }): Promise<AuthResponse> {
    return this.data('POST', '/v1/auth/register', { body: input, auth: false });
  }

  login(input: { username: string; password: string }): Promise<AuthResponse> {
    return this.data('POST', '/v1/auth/login', { body: input, auth: false });
  }

  /** Sends a one-time sign-in code by SMS (E.164 number) or e-mail; 429 (`retryAfter`) when asked too often. */
  requestCode(input: { channel: 'sms' | 'email'; destination: string }): Promise<CodeSentResponse> {
    return this.data('POST', '/v1/auth/code/request', { body: input, auth: false });
  }

  /** Signs in (or up, on a destination's first sign-in) with the code received. */
  verifyCode(input: { channel: 'sms' | 'email'; destination: string; code: string }): Promise<CodeAuthResponse> {
    return this.data('POST', '/v1/auth/code/verify', { body: input, auth: false });
  }

  /** Adds a phone number or address to the signed-in account with a code from `requestCode`. */
  async addIdentity(input: { channel: 'sms' | 'email'; destination: string; code: string }): Promise<IdentityDto> {
    return (await this.data<{ identity: IdentityDto }>('POST', '/v1/me/identities', { body: input })).identity;
  }

  async identities(): Promise<IdentityDto[]> {
    return (await this.data<{ identities: IdentityDto[] }>('GET', '/v1/me/identities')).identities;
  }

  refresh(refreshToken: string): Promise<AuthResponse> {
    return this.data('POST', '/v1/auth/refresh', { body: { refresh_token: refreshToken }, auth: false });
  }

  async logout(): Promise<void> {
    await this.request('POST', '/v1/auth/logout');
  }

  me(): Promise<UserDto> {
    return this.data('GET', '/v1/me');
  }

  getUser(userId: string): Promise<UserDto> {
    return this.data('GET', `/v1/users/${enc(userId)}`);
  }

  /** Extension route `GET /v1/users?username=`: the user with that username, or null. */
  async findUserByUsername(username: string): Promise<UserDto | null> {
    try {
      const answer = await this.data<UserLookupResponse>('GET', '/v1/users', { query: { username } });
      return answer.user;
    } catch (e) {
      if (e instanceof ParleyApiError && e.status === 404) return null;
      throw e;
    }
  }

  getPresence(userId: string): Promise<PresenceDto> {
    return this.data('GET', `/v1/users/${enc(userId)}/presence`);
  }

  /** `created` is false when an existing direct conversation was answered (200). */
  async createConversation(input: CreateConversationInput): Promise<{ conversation: ConversationDto; created: boolean }> {
    const { status, data } = await this.request<ConversationDto>('POST', '/v1/conversations', { body: input });
    return { conversation: data, created: status === 201 };
  }

  listConversations(page: PageOptions = {}): Promise<ConversationPageDto> {
    return this.data('GET', '/v1/conversations', { query: { limit: page.limit, cursor: page.cursor } });
  }

  getConversation(conversationId: string): Promise<ConversationDto> {
    return this.data('GET', `/v1/conversations/${enc(conversationId)}`);
  }

  listMembers(conversationId: string, page: PageOptions = {}): Promise<MemberPageDto> {
    return this.data('GET', `/v1/conversations/${enc(conversationId)}/members`, { query: { limit: page.limit, cursor: page.cursor } });
  }

  addMembers(conversationId: string, userIds: string[]): Promise<AddMembersResponse> {
    return this.data('POST', `/v1/conversations/${enc(conversationId)}/members`, { body: { user_ids: userIds } });
  }

  async removeMember(conversationId: string, userId: string): Promise<void> {
    await this.request('DELETE', `/v1/conversations/${enc(conversationId)}/members/${enc(userId)}`);
  }

  /** `created` is false when the same client_msg_id was already stored (200, same message). */
  async sendMessage(conversationId: string, clientMsgId: string, text: string, options: { replyTo?: number; attachments?: string[] } = {}): Promise<{ message: MessageDto; created: boolean }> {
    const attachments = options.attachments && options.attachments.length > 0 ? { attachments: options.attachments.map((id) => ({ id })) } : {};
    const { status, data } = await this.request<SendMessageResponse>('POST', `/v1/conversations/${enc(conversationId)}/messages`, {
      body: { client_msg_id: clientMsgId, body: { text, ...attachments }, ...(options.replyTo === undefined ? {} : { reply_to: options.replyTo }) },
    });
    return { message: data.message, created: status === 201 };
  }

  // Issue 13, message lifecycle: each change answers its entry (created false when client_msg_id repeats).
  editMessage(conversationId: string, seq: number, clientMsgId: string, text: string): Promise<{ message: MessageDto; created: boolean }> {
    return this.entry('PATCH', `${messagePath(conversationId, seq)}`, { client_msg_id: clientMsgId, body: { text } });
  }

  deleteMessage(conversationId: string, seq: number, clientMsgId: string): Promise<{ message: MessageDto; created: boolean }> {
    return this.entry('DELETE', messagePath(conversationId, seq), { client_msg_id: clientMsgId });
  }

  react(conversationId: string, seq: number, clientMsgId: string, emoji: string, action: 'add' | 'remove' = 'add'): Promise<{ message: MessageDto; created: boolean }> {
    return this.entry(action === 'add' ? 'POST' : 'DELETE', `${messagePath(conversationId, seq)}/reactions`, { client_msg_id: clientMsgId, emoji });
  }

  replies(conversationId: string, seq: number, options: { after_seq?: number; limit?: number } = {}): Promise<HistoryDto> {
    return this.data('GET', `${messagePath(conversationId, seq)}/replies`, { query: { after_seq: options.after_seq, limit: options.limit } });
  }

  /** Issue 13.3: messages matching every word of `q` in the caller's conversations (or one), newest first. */
  searchMessages(q: string, options: { conversation_id?: string; limit?: number; cursor?: string | null } = {}): Promise<SearchResultsDto> {
    return this.data('GET', '/v1/search/messages', { query: { q, conversation_id: options.conversation_id, limit: options.limit, cursor: options.cursor } });
  }

  revisions(conversationId: string, seq: number): Promise<RevisionsDto> {
    return this.data('GET', `${messagePath(conversationId, seq)}/revisions`);
  }

  // --- moderation (issue 13.4, docs/api/v1.md "Moderation") ---

  moderationSettings(conversationId: string): Promise<ModerationSettingsDto> {
    return this.data('GET', `${convPath(conversationId)}/moderation`);
  }
  /** Slow mode (moderators and above; 0 turns it off) and the announcement flag (admins and the owner). */
  setModerationSettings(conversationId: string, settings: { slow_mode_seconds?: number; announcement?: boolean }): Promise<ModerationSettingsDto> {
    return this.data('PATCH', `${convPath(conversationId)}/moderation`, { body: settings });
  }
  async setRank(conversationId: string, userId: string, rank: RankDto): Promise<ModeratedMemberDto> {
    return (await this.data<{ member: ModeratedMemberDto }>('PUT', `${convPath(conversationId)}/members/${enc(userId)}/rank`, { body: { rank } })).member;
  }
  async mute(conversationId: string, userId: string, durationSeconds: number): Promise<ModeratedMemberDto> {
    return (await this.data<{ member: ModeratedMemberDto }>('POST', `${convPath(conversationId)}/members/${enc(userId)}/mute`, { body: { duration_seconds: durationSeconds } })).member;
  }
  async unmute(conversationId: string, userId: string): Promise<ModeratedMemberDto> {
    return (await this.data<{ member: ModeratedMemberDto }>('DELETE', `${convPath(conversationId)}/members/${enc(userId)}/mute`)).member;
  }
  async kick(conversationId: string, userId: string): Promise<void> {
    await this.request('POST', `${convPath(conversationId)}/members/${enc(userId)}/kick`);
  }
  async ban(conversationId: string, userId: string, reason?: string): Promise<{ ban: BanDto; created: boolean }> {
    const { status, data } = await this.request<{ ban: BanDto }>('POST', `${convPath(conversationId)}/bans`, { body: { user_id: userId, ...(reason ? { reason } : {}) } });
    return { ban: data.ban, created: status === 201 };
  }
  async unban(conversationId: string, userId: string): Promise<void> {
    await this.request('DELETE', `${convPath(conversationId)}/bans/${enc(userId)}`);
  }
  bans(conversationId: string, page: PageOptions = {}): Promise<{ bans: BanDto[]; next_cursor: string | null }> {
    return this.data('GET', `${convPath(conversationId)}/bans`, { query: { limit: page.limit, cursor: page.cursor } });
  }
  async reportMessage(conversationId: string, seq: number, reason: string): Promise<{ report: ReportDto; created: boolean }> {
    const { status, data } = await this.request<{ report: ReportDto }>('POST', `${messagePath(conversationId, seq)}/reports`, { body: { reason } });
    return { report: data.report, created: status === 201 };
  }
  reports(conversationId: string, options: PageOptions & { status?: 'open' | 'all' } = {}): Promise<{ reports: ReportDto[]; next_cursor: string | null }> {
    return this.data('GET', `${convPath(conversationId)}/reports`, { query: { status: options.status, limit: options.limit, cursor: options.cursor } });
  }
  async resolveReport(conversationId: string, reportId: string, resolution: 'dismissed' | 'actioned'): Promise<ReportDto> {
    return (await this.data<{ report: ReportDto }>('POST', `${convPath(conversationId)}/reports/${enc(reportId)}/resolve`, { body: { resolution } })).report;
  }
  /** The moderation audit log, newest first (moderators and above). */
  auditLog(conversationId: string, page: PageOptions = {}): Promise<{ entries: AuditEntryDto[]; next_cursor: string | null }> {
    return this.data('GET', `${convPath(conversationId)}/audit`, { query: { limit: page.limit, cursor: page.cursor } });
  }

  private async entry(method: string, path: string, body: unknown): Promise<{ message: MessageDto; created: boolean }> {
    const { status, data } = await this.request<SendMessageResponse>(method, path, { body });
    return { message: data.message, created: status === 201 };
  }

  /** Attachments: an upload URL for `size` bytes of `contentType` (then PUT them, then send the id). */
  async createAttachment(conversationId: string, contentType: string, size: number): Promise<AttachmentUploadDto> {
    return this.data('POST', `/v1/conversations/${enc(conversationId)}/attachments`, { body: { content_type: contentType, size } });
  }

  /** Attachments: asks for an upload URL and uploads `bytes`; resolves with the id to send. */
  async uploadAttachment(conversationId: string, bytes: Uint8Array, contentType: string): Promise<string> {
    const { attachment, upload } = await this.createAttachment(conversationId, contentType, bytes.byteLength);
    await this.transfer(upload, bytes);
    return attachment.id;
  }

  /** Attachments: short-lived download URLs of a sent attachment (members only). */
  attachmentUrls(conversationId: string, attachmentId: string): Promise<AttachmentDownloadDto> {
    return this.data('GET', `/v1/conversations/${enc(conversationId)}/attachments/${enc(attachmentId)}`);
  }

  /** Attachments: the bytes of a sent attachment, or of its thumbnail (images). */
  async downloadAttachment(conversationId: string, attachmentId: string, options: { thumbnail?: boolean } = {}): Promise<Uint8Array> {
    const urls = await this.attachmentUrls(conversationId, attachmentId);
    const request = options.thumbnail ? urls.thumbnail : urls.download;
    if (!request) throw new ParleyApiError(404, 'NOT_FOUND', 'this attachment has no thumbnail');
    return this.transfer(request);
  }

  /** Makes a signed request (a relative URL is the gateway's own); a non-2xx answer throws. */
  private async transfer(request: SignedRequestDto, body?: Uint8Array): Promise<Uint8Array> {
    const url = new URL(request.url, `${this.baseUrl}/`).toString();
    let res: Response;
    try {
      res = await this.fetchImpl(url, { method: request.method, headers: request.headers, ...(body ? { body: new Uint8Array(body) as Uint8Array<ArrayBuffer> } : {}) });
    } catch (e) {
      throw new ParleyApiError(0, 'NETWORK_ERROR', `${request.method} of an attachment failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (!res.ok) throw new ParleyApiError(res.status, res.status === 403 ? 'FORBIDDEN' : res.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'TRANSFER_FAILED', `${request.method} of an attachment answered ${res.status}`);
    return bytes;
  }

  history(conversationId: string, options: HistoryOptions = {}): Promise<HistoryDto> {
    return this.data('GET', `/v1/conversations/${enc(conversationId)}/messages`, {
      query: { after_seq: options.after_seq, before_seq: options.before_seq, limit: options.limit },
    });
  }

  async markRead(conversationId: string, seq: number): Promise<void> {
    await this.request('POST', `/v1/conversations/${enc(conversationId)}/read`, { body: { seq } });
  }

  private async data<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return (await this.request<T>(method, path, options)).data;
  }

  private async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<Answer<T>> {
    const auth = options.auth ?? true;
    const first = await this.fetchOnce(method, path, options, auth);
    if (first.status === 401 && auth && this.options.onUnauthorized && (await this.options.onUnauthorized())) {
      return this.read<T>(await this.fetchOnce(method, path, options, auth));
    }
    return this.read<T>(first);
  }

  private async fetchOnce(method: string, path: string, options: RequestOptions, auth: boolean): Promise<Response> {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const token = auth ? this.options.getAccessToken?.() : undefined;
    if (token) headers.authorization = `Bearer ${token}`;
    try {
      return await this.fetchImpl(url.toString(), {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    } catch (e) {
      throw new ParleyApiError(0, 'NETWORK_ERROR', `${method} ${path} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async read<T>(response: Response): Promise<Answer<T>> {
    const text = await response.text();
    if (response.ok) {
      return { status: response.status, data: (text.length === 0 ? undefined : parseJson(text, response.status)) as T };
    }
    const body = text.length === 0 ? undefined : tryParseJson(text);
    const error = isErrorBody(body) ? body.error : { code: `HTTP_${response.status}`, message: text.slice(0, 200) || response.statusText };
    const retryAfterHeader = response.headers.get('retry-after');
    const retryAfter = retryAfterHeader !== null && /^\d+$/.test(retryAfterHeader) ? Number(retryAfterHeader) : undefined;
    throw new ParleyApiError(response.status, error.code, error.message, retryAfter);
  }
}

const convPath = (conversationId: string) => `/v1/conversations/${enc(conversationId)}`;
const messagePath = (conversationId: string, seq: number) => `${convPath(conversationId)}/messages/${seq}`;

function parseJson(text: string, status: number): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ParleyApiError(status, 'PROTOCOL_ERROR', `answer is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // An error answer that is not JSON (e.g. from a proxy) is reported by its status and text.
    return undefined;
  }
}

function isErrorBody(v: unknown): v is { error: { code: string; message: string } } {
  if (typeof v !== 'object' || v === null || !('error' in v)) return false;
  const e = (v as { error: unknown }).error;
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' && typeof (e as { message?: unknown }).message === 'string';
}
