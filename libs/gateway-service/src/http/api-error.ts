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
};

export interface ErrorReply {
  status: number;
  code: ErrorCode | 'INTERNAL';
  message: string;
}

/** Maps anything thrown to the contract's error shape; unknown errors are 500s and get logged. */
export function toErrorReply(e: unknown): ErrorReply {
  if (isDomainError(e)) return { status: STATUS_OF[e.code], code: e.code, message: e.message };
  return { status: 500, code: 'INTERNAL', message: 'internal error' };
}

export const errorBody = (code: string, message: string) => JSON.stringify({ error: { code, message } });

export { DomainError };
