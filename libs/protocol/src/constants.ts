/** WebSocket close codes used by Parley (v1 contract plus the standard ones it relies on). */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  /** Standard "closed without a close frame" (never sent on the wire; seen by clients). */
  ABNORMAL: 1006,
  POLICY: 1008,
  /** Standard "service restart": the gateway is draining; reconnect (another gateway answers). */
  SERVICE_RESTART: 1012,
  TOO_BIG: 1009,
  TOKEN_EXPIRED_OR_REVOKED: 4401,
  SLOW_CONSUMER: 4408,
  RATE_LIMITED: 4429,
} as const;

export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * What a client should do after the server (or the network) closed its socket:
 * - `refresh-token`: get a fresh access token, then reconnect (4401).
 * - `stop`: the client itself is at fault (1008 policy, 1009 too big); reconnecting would loop.
 * - `backoff`: reconnect with exponential backoff (4408, 4429, 1001, 1006, 1012 and anything unknown:
 *   a chat client should come back unless it is told it must not).
 */
export type ReconnectAdvice = 'refresh-token' | 'stop' | 'backoff';

export function shouldReconnect(code: number): ReconnectAdvice {
  if (code === CloseCode.TOKEN_EXPIRED_OR_REVOKED) return 'refresh-token';
  if (code === CloseCode.POLICY || code === CloseCode.TOO_BIG) return 'stop';
  return 'backoff';
}

/**
 * Bounds of the v1 contract. Text lengths are counted in Unicode code points (what a person
 * calls characters; an emoji outside the BMP is one, not two UTF-16 units).
 */
export const Limits = {
  MAX_FRAME_BYTES: 65536,
  MAX_REST_BODY_BYTES: 16384,
  TEXT_MAX_CHARS: 4000,
  /** Attachments one message may reference (attachments extension). */
  ATTACHMENTS_MAX: 10,
  CLIENT_MSG_ID_MAX: 128,
  SYNC_DEFAULT_LIMIT: 100,
  SYNC_MAX_LIMIT: 500,
  HISTORY_DEFAULT_LIMIT: 50,
  HISTORY_MAX_LIMIT: 100,
  USERNAME_RE: /^[a-z0-9_.-]{3,32}$/,
  PASSWORD_MIN: 8,
  PASSWORD_MAX: 256,
  TITLE_MAX: 200,
  DISPLAY_NAME_MAX: 64,
  MEMBER_IDS_MAX: 1000,
  /** Extension: bound on any opaque id (conversation, user) accepted from a client. */
  ID_MAX: 128,
  /** Extension: bound on opaque tokens and cursors accepted from a client. */
  TOKEN_MAX: 4096,
  /** Extension (issue 13.3): a search's `q`, in characters after trimming (1 to this), and its words. */
  SEARCH_Q_MAX_CHARS: 200,
  SEARCH_Q_MAX_WORDS: 16,
  /** Extension: bound on a ping nonce string. */
  NONCE_MAX: 128,
  /** Extension (issue 13): a reaction is one emoji (or short code) of at most this many code points, no whitespace. */
  EMOJI_MAX: 32,
  /** Extension (issue 13): page size of a message's replies. */
  REPLIES_MAX_LIMIT: 100,
} as const;
