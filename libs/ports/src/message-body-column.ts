import { Message } from '@parley/domain';

/**
 * Both message stores keep a message's body as JSON in one column; a message's `mentions` (an
 * additive field) travel in the same JSON, so neither store needed a schema change. A row
 * written before mentions existed simply has none.
 */
export function bodyColumn(message: Message): string {
  const withMentions = message.mentions && message.mentions.length > 0 ? { ...message.body, mentions: message.mentions } : message.body;
  // A call's summary (docs/adr/0013-call-signaling.md) travels the same way, additively.
  return JSON.stringify(message.call ? { ...withMentions, call: message.call } : withMentions);
}

/** The body and the mentions of a stored body column (already parsed from JSON). */
export function fromBodyColumn(stored: unknown): Pick<Message, 'body' | 'mentions' | 'call'> {
  const { mentions, text, call } = stored as { text: string; mentions?: unknown; call?: Message['call'] };
  const ids = Array.isArray(mentions) ? mentions.filter((m): m is string => typeof m === 'string') : [];
  const base: Pick<Message, 'body' | 'mentions' | 'call'> = ids.length > 0 ? { body: { text }, mentions: ids } : { body: { text } };
  if (call && typeof call === 'object' && typeof call.call_id === 'string') base.call = call;
  return base;
}
