import { SyncPage } from './recent-messages';

/** Where a gateway can find the messages a resuming client asks for. */
export interface SyncSourceDeps {
  /** This gateway's recent messages of the conversation (null: cannot vouch for the range). */
  recentAfter(conversationId: string, afterSeq: number, limit: number): SyncPage | null;
  /** The last seq this gateway published in the conversation. */
  lastPublished(conversationId: string): number | undefined;
  /** The store, through the messaging service (which checks membership). */
  storeAfter(userId: string, conversationId: string, afterSeq: number, limit: number): Promise<SyncPage>;
  /** Counts answers by where they came from. */
  onAnswer(source: 'recent' | 'shared' | 'store'): void;
  /** Bound on the bytes of resolved pages held for sharing (default MAX_SHARED_BYTES). */
  maxSharedBytes?: number;
  now?: () => number;
}

/** How long a store page stays shareable after it arrived. */
export const SHARED_PAGE_HOLD_MS = 1000;
/** Bound on the pages held (a storm asks for few distinct ranges; beyond this, hold none). */
export const MAX_SHARED_PAGES = 10_000;
/**
 * Bound on the bytes of the pages held. A storm's shared ranges fit many times over; a client
 * asking for thousands of distinct large ranges (an attack) finds pages no longer held past it.
 */
export const MAX_SHARED_BYTES = 32 * 1024 * 1024;

interface Shared {
  page: Promise<SyncPage>;
  /** Epoch ms until which a resolved page may be handed out again; 0 while in flight. */
  until: number;
  /** Estimated bytes of the resolved page (0 while in flight). */
  bytes: number;
}

/** What a page costs the heap, roughly: its texts (UTF-16 at worst) and a fixed cost per message. */
export function estimatePageBytes(page: SyncPage): number {
  let n = 64;
  for (const m of page.messages) n += 320 + 2 * m.body.text.length + 2 * m.client_msg_id.length;
  return n;
}

/**
 * Answers `sync` (a resume) at the gateway, cheapest first, so a reconnect storm does not become a
 * store storm:
 * 1. a member (a socket watching the conversation here) resuming inside the range this gateway
 *    just published is answered from its recent messages: no store read at all;
 * 2. otherwise members asking for the same range at the same time share one store read, held a
 *    second after it arrives;
 * 3. a socket that does not watch the conversation goes to the store alone, which checks membership.
 * A shared page is used only if nothing was published here after its end: a message published
 * before the resuming socket subscribed could otherwise be in neither the page nor its live stream.
 */
export class SyncSource {
  private readonly shared = new Map<string, Shared>();
  private bytes = 0;
  private readonly maxBytes: number;
  private readonly now: () => number;

  constructor(private readonly deps: SyncSourceDeps) {
    this.maxBytes = deps.maxSharedBytes ?? MAX_SHARED_BYTES;
    this.now = deps.now ?? Date.now;
  }

  async page(userId: string, conversationId: string, afterSeq: number, limit: number, watching: boolean): Promise<SyncPage> {
    if (!watching) return this.fromStore(userId, conversationId, afterSeq, limit);
    const recent = this.deps.recentAfter(conversationId, afterSeq, limit);
    if (recent) {
      this.deps.onAnswer('recent');
      return recent;
    }
    const key = `${conversationId}\u0000${afterSeq}\u0000${limit}`;
    const held = this.shared.get(key);
    if (held && (held.until === 0 || this.now() < held.until)) {
      const page = await held.page;
      if (!this.publishedPast(conversationId, afterSeq, page)) {
        this.deps.onAnswer('shared');
        return page;
      }
      return this.fromStore(userId, conversationId, afterSeq, limit);
    }
    if (held) this.forget(key, held);
    if (this.shared.size >= MAX_SHARED_PAGES) this.prune();
    const entry: Shared = { page: this.fromStore(userId, conversationId, afterSeq, limit), until: 0, bytes: 0 };
    if (this.shared.size < MAX_SHARED_PAGES) this.shared.set(key, entry);
    entry.page.then(
      (p) => {
        if (this.shared.get(key) !== entry) return;
        const bytes = estimatePageBytes(p);
        if (this.bytes + bytes > this.maxBytes) this.prune();
        if (this.bytes + bytes > this.maxBytes) {
          // Over the byte bound: answered, but not held for others.
          this.shared.delete(key);
          return;
        }
        entry.bytes = bytes;
        this.bytes += bytes;
        entry.until = this.now() + SHARED_PAGE_HOLD_MS;
      },
      () => {
        if (this.shared.get(key) === entry) this.shared.delete(key);
      },
    );
    return entry.page;
  }

  /** Pages held, in flight or resolved (for tests and metrics). */
  get heldPages(): number {
    return this.shared.size;
  }

  /** Estimated bytes of the resolved pages held (bounded by maxSharedBytes). */
  get heldBytes(): number {
    return this.bytes;
  }

  /** Lets go of every resolved page whose hold has passed (the gateway calls it from its sweep). */
  prune(): void {
    const now = this.now();
    for (const [key, e] of this.shared) if (e.until !== 0 && now >= e.until) this.forget(key, e);
  }

  private forget(key: string, e: Shared): void {
    if (this.shared.get(key) !== e) return;
    this.shared.delete(key);
    this.bytes -= e.bytes;
  }

  private fromStore(userId: string, conversationId: string, afterSeq: number, limit: number): Promise<SyncPage> {
    this.deps.onAnswer('store');
    return this.deps.storeAfter(userId, conversationId, afterSeq, limit);
  }

  /** True when this gateway published a seq past the page's end, which a late subscriber may have missed. */
  private publishedPast(conversationId: string, afterSeq: number, page: SyncPage): boolean {
    if (page.has_more) return false; // the client asks for the next page itself
    const end = page.messages.length > 0 ? page.messages[page.messages.length - 1].seq : afterSeq;
    const published = this.deps.lastPublished(conversationId);
    return published !== undefined && published > end;
  }
}
