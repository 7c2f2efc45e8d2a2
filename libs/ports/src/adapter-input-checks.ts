import { Message, validationFailed } from '@parley/domain';

/**
 * Argument checks shared by every adapter of the ports, embedded and real: bad input is a
 * VALIDATION_FAILED before anything reaches a server, never a driver error or a crash.
 */
export const MAX_ID_LENGTH = 256;
export const MAX_TTL_MS = 24 * 60 * 60 * 1000;

export function checkId(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH) {
    throw validationFailed(`${name} must be a string of 1..${MAX_ID_LENGTH} characters`);
  }
}

export function checkTtl(ttlMs: unknown): asserts ttlMs is number {
  if (!Number.isInteger(ttlMs) || (ttlMs as number) < 1 || (ttlMs as number) > MAX_TTL_MS) {
    throw validationFailed(`ttlMs must be an integer in 1..${MAX_TTL_MS}`);
  }
}

export function checkNonNegativeInteger(name: string, value: unknown): asserts value is number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw validationFailed(`${name} must be a non-negative integer`);
}

export function checkPositiveInteger(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > max) {
    throw validationFailed(`${name} must be an integer in 1..${max}`);
  }
}

/** Kafka's topic name rule, kept by both event logs. */
const TOPIC_PATTERN = /^[A-Za-z0-9._-]{1,249}$/;

export function checkTopic(topic: unknown): asserts topic is string {
  if (typeof topic !== 'string' || !TOPIC_PATTERN.test(topic)) throw validationFailed('topic must be 1..249 characters of [A-Za-z0-9._-]');
}

/** Record headers: an object of strings (trace context and the like), copied. */
export function checkHeaders(headers: unknown): Record<string, string> {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) throw validationFailed('headers must be an object');
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') throw validationFailed(`header ${name} must be a string`);
    out[name] = value;
  }
  return out;
}

/** A record value as JSON; a value JSON cannot carry is the caller's mistake. */
export function serializeValue(value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw validationFailed(`value is not serializable to JSON: ${(error as Error).message}`);
  }
  if (json === undefined) throw validationFailed('value is not serializable to JSON');
  return json;
}

/** A message as both message stores accept it. */
export function checkMessage(message: Message): void {
  if (typeof message !== 'object' || message === null) throw validationFailed('message must be an object');
  checkId('id', message.id);
  checkId('conversation_id', message.conversation_id);
  checkId('sender_id', message.sender_id);
  checkId('client_msg_id', message.client_msg_id);
  if (!Number.isSafeInteger(message.seq) || message.seq < 1) throw validationFailed('seq must be a positive integer');
  if (typeof message.body !== 'object' || message.body === null || typeof message.body.text !== 'string') {
    throw validationFailed('body.text must be a string');
  }
  if (typeof message.created_at !== 'string' || Number.isNaN(Date.parse(message.created_at))) {
    throw validationFailed('created_at must be an ISO-8601 timestamp');
  }
}
