import { Attachment, Message } from '@parley/domain';

/**
 * Both message stores keep a message's body as JSON in one column; a message's `mentions` (an
 * additive field) travel in the same JSON, so neither store needed a schema change. A row
 * written before mentions existed simply has none.
 */
export function bodyColumn(message: Message): string {
  return JSON.stringify(message.mentions && message.mentions.length > 0 ? { ...message.body, mentions: message.mentions } : message.body);
}

/** The body and the mentions of a stored body column (already parsed from JSON). */
export function fromBodyColumn(stored: unknown): Pick<Message, 'body' | 'mentions'> {
  const { mentions, text, attachments } = stored as { text: string; mentions?: unknown; attachments?: Attachment[] };
  const ids = Array.isArray(mentions) ? mentions.filter((m): m is string => typeof m === 'string') : [];
  // Attachments (an additive field of the body) were checked by the gateway before they were stored.
  const body = Array.isArray(attachments) && attachments.length > 0 ? { text, attachments } : { text };
  return ids.length > 0 ? { body, mentions: ids } : { body };
}
