/** An HTTP answer outside 2xx, with the contract's error code (or NETWORK_ERROR when no answer came). */
export class ParleyApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds, from `Retry-After` on a 429. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ParleyApiError';
  }
}

/**
 * A real-time client failure. `code` is the server's error code (e.g. FORBIDDEN) or one of the
 * client's own: DISCONNECTED, CLOSED, TIMEOUT, QUEUE_FULL, VALIDATION_FAILED, CONNECT_FAILED,
 * PROTOCOL_ERROR, TOKEN_UNAVAILABLE.
 */
export class ParleyClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly client_msg_id?: string,
    /** WebSocket close code, when the error comes from a close. */
    readonly closeCode?: number,
    /** Seconds until a send may succeed (MUTED, SLOW_MODE: issue 13.4). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ParleyClientError';
  }
}
