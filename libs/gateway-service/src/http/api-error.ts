import { DomainError, ErrorCode, isDomainError } from '@parley/domain';

/** The contract's status for each error code. */
export const STATUS_OF: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  // Moderation (issue 13.4): a mute, slow mode, a ban, an announcement conversation.
  MUTED: 403,
  SLOW_MODE: 429,
  BANNED: 403,
  ANNOUNCEMENT_ONLY: 403,
};

export interface ErrorReply {
  status: number;
  code: ErrorCode | 'INTERNAL';
  message: string;
  /** Seconds until it may succeed (MUTED, SLOW_MODE): `retry_after` in the body and `Retry-After`. */
  retry_after?: number;
}

/** Maps anything thrown to the contract's error shape; unknown errors are 500s and get logged. */
export function toErrorReply(e: unknown): ErrorReply {
  if (isDomainError(e)) return { status: STATUS_OF[e.code], code: e.code, message: e.message, ...(e.retryAfter !== undefined ? { retry_after: e.retryAfter } : {}) };
  return { status: 500, code: 'INTERNAL', message: 'internal error' };
}

export const errorBody = (code: string, message: string, retryAfter?: number) => JSON.stringify({ error: { code, message, ...(retryAfter !== undefined ? { retry_after: retryAfter } : {}) } });

export { DomainError };
