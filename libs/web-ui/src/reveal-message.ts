import { ParleyRest } from '@parley/client';
import { ChatStore, ConversationEntry, MAX_SHOWN_MESSAGES } from './chat-store';

/** Messages fetched per step back through history. */
const PAGE = 100;

/**
 * Makes sure the message at `seq` is among the shown ones: loads older history, page by page and
 * without gaps, back to it, as long as the page's bound on shown messages allows. Entries (edits,
 * reactions) of older pages are skipped: the stored messages already carry their current state, and
 * replaying an older entry would bring back an older count. True when the message is shown.
 */
export async function revealMessage(rest: ParleyRest, store: ChatStore, entry: ConversationEntry, seq: number): Promise<boolean> {
  let before = Infinity;
  for (;;) {
    const stored = [...entry.messages.values()].flatMap((m) => (m.seq === null ? [] : [m.seq]));
    if (stored.includes(seq)) return true;
    before = Math.min(before, ...stored, entry.dto.last_seq + 1);
    if (seq > before || entry.messages.size + PAGE > MAX_SHOWN_MESSAGES) return false;
    const { messages } = await rest.history(entry.dto.id, { before_seq: before, limit: PAGE });
    if (messages.length === 0) return false;
    for (const m of messages) if (m.kind === undefined) store.addStored(entry, m);
    // A page of entries only still moves back (they are not shown).
    before = Math.min(before, ...messages.map((m) => m.seq));
  }
}
