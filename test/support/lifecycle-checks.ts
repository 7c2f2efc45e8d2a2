import type { WireMessage } from './contract';

/**
 * The history checker's part for message lifecycle (issue 13, docs/adr/0010-message-lifecycle.md):
 * edits, deletes and reactions are entries with their own seq, and the messages they target show
 * their current state. A message's stored text may differ from what was sent and delivered only
 * when an entry changed it (an edit, a delete, or an edit entry whose message was deleted).
 */
export function textMayDiffer(stored: WireMessage): boolean {
  return stored.edited_at !== undefined || stored.deleted_at !== undefined || (stored.kind === 'edit' && stored.body?.text === '');
}

/** Checks that every entry targets an earlier message, and that each message's state is what its entries say. */
export function checkLifecycle(conversationId: string, bySeq: Map<number, WireMessage>, violations: string[]): void {
  const lastEdit = new Map<number, WireMessage>();
  const deletedBy = new Map<number, WireMessage>();
  for (const m of [...bySeq.values()].sort((a, b) => a.seq - b.seq)) {
    if (m.kind === undefined) {
      if (m.reply_to !== undefined && (m.reply_to >= m.seq || bySeq.get(m.reply_to)?.kind !== undefined)) {
        violations.push(`reply: conversation ${conversationId} seq ${m.seq} replies to ${m.reply_to}, which is no earlier message`);
      }
      continue;
    }
    const where = `conversation ${conversationId} ${m.kind} entry seq ${m.seq}`;
    const target = m.target_seq === undefined ? undefined : bySeq.get(m.target_seq);
    if (target === undefined || target.kind !== undefined || (m.target_seq ?? 0) >= m.seq) {
      violations.push(`entry: ${where} targets ${String(m.target_seq)}, which is no earlier message`);
      continue;
    }
    if (m.kind === 'edit') {
      if (target.sender_id !== m.sender_id) violations.push(`edit: ${where} by ${m.sender_id} edits a message of ${target.sender_id}`);
      if (deletedBy.has(target.seq)) violations.push(`edit: ${where} edits seq ${target.seq} after its delete`);
      lastEdit.set(target.seq, m);
    } else if (m.kind === 'delete') {
      if (deletedBy.has(target.seq)) violations.push(`delete: ${where} deletes seq ${target.seq} a second time`);
      deletedBy.set(target.seq, m);
    }
  }
  for (const [seq, del] of deletedBy) {
    const target = bySeq.get(seq) as WireMessage;
    if (target.deleted_at === undefined || target.body?.text !== '') {
      violations.push(`delete: conversation ${conversationId} seq ${seq} was deleted at seq ${del.seq} but its body is still stored`);
    }
  }
  for (const m of bySeq.values()) {
    if (m.kind === 'edit' && m.target_seq !== undefined && deletedBy.has(m.target_seq) && m.body?.text !== '') {
      violations.push(`delete: conversation ${conversationId} edit entry seq ${m.seq} still holds text of deleted seq ${m.target_seq}`);
    }
    if (m.kind === undefined && m.deleted_at === undefined && lastEdit.has(m.seq)) {
      const edit = lastEdit.get(m.seq) as WireMessage;
      if (m.body?.text !== edit.body?.text || m.edited_at === undefined) {
        violations.push(`edit: conversation ${conversationId} seq ${m.seq} shows text other than its last edit (seq ${edit.seq})`);
      }
    }
    if (m.kind === undefined && m.deleted_at !== undefined && !deletedBy.has(m.seq)) {
      violations.push(`delete: conversation ${conversationId} seq ${m.seq} is a tombstone without a delete entry`);
    }
  }
}
