/**
 * Member counts per conversation for the typing sampler, cached 30 s (at most 50,000 entries).
 * The lookup itself is cached, not only its answer: a burst of typing frames on a cold cache costs
 * one call, and the frames go on in the order they came. A failed lookup is forgotten, so the next
 * frame asks again.
 */
export class MemberCounts {
  private readonly cache = new Map<string, { n: Promise<number>; at: number }>();

  constructor(
    private readonly lookup: (conversationId: string) => Promise<number>,
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 50_000,
  ) {}

  of(conversationId: string): Promise<number> {
    const cached = this.cache.get(conversationId);
    const now = Date.now();
    if (cached && now - cached.at < this.ttlMs) return cached.n;
    const n = this.lookup(conversationId);
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(conversationId, { n, at: now });
    n.catch(() => {
      if (this.cache.get(conversationId)?.n === n) this.cache.delete(conversationId);
    });
    return n;
  }
}
