import { Attachment, Message } from '@parley/domain';

/**
 * Both message stores keep a message's body as JSON in one column; the additive fields of a
 * message (`mentions`, and issue 13's lifecycle fields: reply_to, kind, target_seq, reaction,
 * edited_at, deleted_at, deleted_by, reactions; a finished call's `call` summary, ADR 0013) travel in the same JSON, so neither store needed
 * a schema change. A row written before they existed simply has none.
 */
const EXTRA_FIELDS = ['mentions', 'reply_to', 'kind', 'target_seq', 'reaction', 'edited_at', 'deleted_at', 'deleted_by', 'reactions', 'call'] as const;
type Extra = Pick<Message, (typeof EXTRA_FIELDS)[number]>;

export function bodyColumn(message: Message): string {
  const column: Record<string, unknown> = { ...message.body };
  for (const f of EXTRA_FIELDS) {
    const v = message[f];
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    column[f] = v;
  }
  return JSON.stringify(column);
}

/** The body and the additive fields of a stored body column (already parsed from JSON). */
export function fromBodyColumn(stored: unknown): Pick<Message, 'body'> & Extra {
  const { mentions, text, attachments, ...rest } = stored as { text: string; mentions?: unknown; attachments?: Attachment[] } & Record<string, unknown>;
  // Attachments (an additive field of the body) were checked by the gateway before they were stored.
  const body = Array.isArray(attachments) && attachments.length > 0 ? { text, attachments } : { text };
  const ids = Array.isArray(mentions) ? mentions.filter((m): m is string => typeof m === 'string') : [];
  const out: Pick<Message, 'body'> & Extra = ids.length > 0 ? { body, mentions: ids } : { body };
  const extra = out as Record<string, unknown>;
  for (const f of EXTRA_FIELDS) if (f !== 'mentions' && rest[f] !== undefined && rest[f] !== null) extra[f] = rest[f];
  // A call summary counts only in its one well-formed shape.
  const call = extra.call as { call_id?: unknown } | undefined;
  if (call !== undefined && (typeof call !== 'object' || typeof call.call_id !== 'string')) delete extra.call;
  return out;
}
