/**
 * Outcome of validating untrusted input. A failure carries a human-readable message; for a
 * WebSocket `send` frame it also carries the client's `client_msg_id` (when it had a string one)
 * so the server can echo it in the `error` frame and the client can settle that send.
 */
export type Result<T> = { ok: true; value: T } | { ok: false; message: string; client_msg_id?: string };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const invalid = <T>(message: string, client_msg_id?: string): Result<T> =>
  client_msg_id === undefined ? { ok: false, message } : { ok: false, message, client_msg_id };
