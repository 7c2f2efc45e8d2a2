import { ParleyRest } from '@parley/client';
import { ChatStore, ConversationEntry } from './chat-store';
import { Session } from './session';

/**
 * After a reload the page has had no read frames yet: ask the server how many members have read the
 * user's latest message (GET .../read-receipts, docs/api/v1.md). That count includes the asker's own
 * marker, so the user's marker is moved to the end first and then left out of the count.
 */
export async function restoreReceipt(rest: ParleyRest, session: Session, store: ChatStore, entry: ConversationEntry): Promise<void> {
  const me = session.user?.id;
  const mine = store.sortedMessages(entry).filter((m) => m.sender_id === me && m.seq !== null).pop();
  if (!mine?.seq) return;
  try {
    const seq = entry.dto.last_seq;
    if (seq > entry.dto.me.last_read_seq) await rest.markRead(entry.dto.id, seq);
    entry.dto = { ...entry.dto, me: { ...entry.dto.me, last_read_seq: Math.max(seq, entry.dto.me.last_read_seq), unread_count: 0 } };
    const url = `/v1/conversations/${encodeURIComponent(entry.dto.id)}/read-receipts?seq=${mine.seq}`;
    const response = await fetch(url, { headers: { authorization: `Bearer ${session.accessToken ?? ''}` } });
    if (!response.ok) return;
    const body = (await response.json()) as { read_by?: unknown };
    if (typeof body.read_by !== 'number') return;
    const others = Math.max(0, body.read_by - 1);
    if (!entry.readCount || entry.readCount.seq < mine.seq || entry.readCount.count < others) entry.readCount = { seq: mine.seq, count: others };
  } catch (e) {
    console.warn('could not restore read receipts', e);
  }
}
