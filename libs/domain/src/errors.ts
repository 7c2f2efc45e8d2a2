/**
 * Domain errors carry a stable string code. The edge maps the code to its transport:
 * an HTTP status, a WebSocket error frame or close code, a gRPC status.
 * A use case never throws a transport error.
 */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  // Moderation (issue 13.4, docs/adr/0017-moderation.md).
  | 'MUTED'
  | 'SLOW_MODE'
  | 'BANNED'
  | 'ANNOUNCEMENT_ONLY';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Seconds until the refused thing may succeed (MUTED, SLOW_MODE, RATE_LIMITED); the edge sends it as `retry_after`. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;

export const validationFailed = (message: string) => new DomainError('VALIDATION_FAILED', message);
export const unauthenticated = (message = 'authentication required') => new DomainError('UNAUTHENTICATED', message);
export const forbidden = (message = 'not allowed') => new DomainError('FORBIDDEN', message);
export const notFound = (message = 'not found') => new DomainError('NOT_FOUND', message);
export const conflict = (message: string) => new DomainError('CONFLICT', message);
export const unavailable = (message = 'temporarily unavailable') => new DomainError('UNAVAILABLE', message);
