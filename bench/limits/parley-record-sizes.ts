import { randomUUID } from 'node:crypto';
import type { Message } from '@parley/domain';
import type { ConversationEvent, IngressSend } from '@parley/ports';

/**
 * What one persisted send weighs on Parley's data path, built from the same shapes the code writes
 * (type-checked against IngressSend, ConversationEvent and Message), so the raw-limit runs move
 * records and rows of Parley's size rather than a guessed one.
 *
 * Sizes are counted the way KafkaEventLog.append counts a record (key + JSON value + header names
 * and values, UTF-8 bytes). Ids are UUIDs (users, conversations, connections and message ids are
 * randomUUID(); the client library's default client_msg_id is one too), the gateway id is the
 * config default `gw-` + 8 characters, and the text is the bench's persisted-sends text length.
 */

/** Default length of a message text, as the persisted-sends scenario sends it (bench-config `textChars`). */
export const DEFAULT_TEXT_CHARS = 64;

/** A W3C traceparent header value is always 55 characters (version-traceid-spanid-flags). */
const SAMPLE_TRACEPARENT = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;

export interface KafkaRecordShape {
  keyBytes: number;
  valueBytes: number;
  headerBytes: number;
  /** key + value + headers: what KafkaEventLog checks against maxRecordBytes. */
  totalBytes: number;
}

export interface ParleySendSizes {
  textChars: number;
  /** The gateway's record on parley.ingress.v1. */
  ingress: KafkaRecordShape;
  /** The sequencer's message.created record on parley.events.v1. */
  event: KafkaRecordShape;
  /** Bytes of the text columns of a messages_by_conversation row (bigint and timestamp columns add 8 bytes each). */
  messageRowTextBytes: number;
}

function recordShape(key: string, value: unknown, headers: Record<string, string>): KafkaRecordShape {
  const keyBytes = Buffer.byteLength(key);
  const valueBytes = Buffer.byteLength(JSON.stringify(value));
  const headerBytes = Object.entries(headers).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  return { keyBytes, valueBytes, headerBytes, totalBytes: keyBytes + valueBytes + headerBytes };
}

/** A message of Parley's shape: UUID ids, a `textChars`-long text, ISO timestamps. */
export function sampleMessage(textChars: number, seq = 1): Message {
  return {
    id: randomUUID(),
    conversation_id: randomUUID(),
    seq,
    sender_id: randomUUID(),
    client_msg_id: randomUUID(),
    body: { text: 'x'.repeat(textChars) },
    created_at: new Date().toISOString(),
  };
}

/** Computes the record and row sizes of one send with a text of `textChars` characters. */
export function parleySendSizes(textChars: number = DEFAULT_TEXT_CHARS): ParleySendSizes {
  if (!Number.isInteger(textChars) || textChars < 0 || textChars > 100_000) throw new Error(`textChars must be an integer in 0..100000, got ${textChars}`);
  const message = sampleMessage(textChars);
  const origin = { gateway_id: 'gw-abcdefgh', ref: randomUUID() };
  const send: IngressSend = {
    type: 'send',
    conversation_id: message.conversation_id,
    sender_id: message.sender_id,
    client_msg_id: message.client_msg_id,
    body: { text: message.body.text },
    origin,
    received_at: new Date().toISOString(),
  };
  const event: ConversationEvent = { type: 'message.created', message, origin, created: true };
  const headers = { traceparent: SAMPLE_TRACEPARENT };
  // The row's text columns: conversation_id, id, sender_id, client_msg_id and body (stored as JSON).
  const messageRowTextBytes = [message.conversation_id, message.id, message.sender_id, message.client_msg_id, JSON.stringify(message.body)].reduce(
    (n, s) => n + Buffer.byteLength(s),
    0,
  );
  return {
    textChars,
    ingress: recordShape(send.conversation_id, send, headers),
    event: recordShape(message.conversation_id, event, headers),
    messageRowTextBytes,
  };
}
