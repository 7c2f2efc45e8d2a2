import { Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { DomainError, isDomainError, type ErrorCode } from '@parley/domain';

/** Trailer naming the DomainError code, so the caller rethrows exactly the error the service threw. */
export const ERROR_CODE_METADATA_KEY = 'parley-error-code';

/**
 * The gRPC status a DomainError travels as. The status is for generic tooling (dashboards, proxies,
 * retry policies); the `parley-error-code` trailer is what the client decodes, which is why two
 * codes may share a status: PAYLOAD_TOO_LARGE and RATE_LIMITED both mean "a limit was hit"
 * (RESOURCE_EXHAUSTED, gRPC's status for quotas and size limits).
 */
export const GRPC_STATUS_OF: Record<ErrorCode, status> = {
  VALIDATION_FAILED: status.INVALID_ARGUMENT,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  FORBIDDEN: status.PERMISSION_DENIED,
  NOT_FOUND: status.NOT_FOUND,
  CONFLICT: status.ALREADY_EXISTS,
  PAYLOAD_TOO_LARGE: status.RESOURCE_EXHAUSTED,
  RATE_LIMITED: status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: status.UNAVAILABLE,
  // Moderation (issue 13.4): refusals of who is asking, and slow mode's limit.
  MUTED: status.PERMISSION_DENIED,
  SLOW_MODE: status.RESOURCE_EXHAUSTED,
  BANNED: status.PERMISSION_DENIED,
  ANNOUNCEMENT_ONLY: status.PERMISSION_DENIED,
};

const isErrorCode = (value: unknown): value is ErrorCode => typeof value === 'string' && Object.hasOwn(GRPC_STATUS_OF, value);

/** Status details travel in a header: keep them well under gRPC's default 8 KiB metadata limit. */
const MAX_DETAILS_CHARS = 1024;

/** Internal failures say nothing about their cause to the caller; the server logs them. */
export const INTERNAL_DETAILS = 'internal error';

/** What a server sends for an error thrown by a service implementation. */
export function toGrpcStatus(error: unknown): Partial<StatusObject> {
  if (isDomainError(error) && isErrorCode(error.code)) {
    const metadata = new Metadata();
    metadata.set(ERROR_CODE_METADATA_KEY, error.code);
    return { code: GRPC_STATUS_OF[error.code], details: error.message.slice(0, MAX_DETAILS_CHARS), metadata };
  }
  return { code: status.INTERNAL, details: INTERNAL_DETAILS };
}

/**
 * A call that failed for a reason that is neither a domain error nor the peer being unreachable:
 * an internal error in the peer, a method it does not implement, a response this side cannot
 * decode. Edges treat it like any unexpected error (HTTP 500).
 */
export class RpcError extends Error {
  constructor(
    readonly service: string,
    readonly method: string,
    /** The gRPC status, when the failure came from the peer. */
    readonly grpcStatus: status | null,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RpcError';
  }
}

/** Statuses meaning the call did not (or may not have) reached a working peer in time. */
const UNREACHABLE = new Set<status>([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.CANCELLED]);

/**
 * The error a client throws for a failed call: the service's DomainError when it sent one,
 * DomainError('UNAVAILABLE') when the peer could not be reached in time (the gRPC error is its
 * `cause`; the message names no address, since it may reach a public edge), RpcError otherwise.
 */
export function fromServiceError(error: ServiceError, service: string, method: string): Error {
  const code = error.metadata?.get(ERROR_CODE_METADATA_KEY)[0];
  if (isErrorCode(code)) return new DomainError(code, error.details);
  // An INTERNAL that our server did not send (its own carry INTERNAL_DETAILS) comes from the
  // transport itself, e.g. an HTTP/2 session reset under load: the peer was not reached properly.
  const transportFailure = error.code === status.INTERNAL && error.details !== INTERNAL_DETAILS;
  if (UNREACHABLE.has(error.code) || transportFailure) {
    const unavailable = new DomainError('UNAVAILABLE', `${service} service unavailable`);
    unavailable.cause = error;
    return unavailable;
  }
  return new RpcError(service, method, error.code, `${service}.${method} failed: ${status[error.code] ?? error.code}`, { cause: error });
}
