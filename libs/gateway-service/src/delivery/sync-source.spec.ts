import { Message } from '@parley/domain';
import { SyncPage } from './recent-messages';
import { SHARED_PAGE_HOLD_MS, SyncSource, SyncSourceDeps } from './sync-source';

const msg = (seq: number): Message =>
  ({ id: `m${seq}`, conversation_id: 'c1', seq, sender_id: 'u1', client_msg_id: `k${seq}`, body: { text: 't' }, created_at: '2026-11-25T00:00:00.000Z' }) as Message;

/** A store whose reads are counted and resolved by the test. */
class Harness {
  storeReads: { userId: string; afterSeq: number; resolve: (p: SyncPage) => void; reject: (e: Error) => void }[] = [];
  answers: string[] = [];
  recent: SyncPage | null = null;
  published: number | undefined = undefined;
  readonly source: SyncSource;

  constructor() {
    const deps: SyncSourceDeps = {
      recentAfter: () => this.recent,
      lastPublished: () => this.published,
      storeAfter: (userId, _c, afterSeq) => new Promise((resolve, reject) => this.storeReads.push({ userId, afterSeq, resolve, reject })),
      onAnswer: (s) => this.answers.push(s),
    };
    this.source = new SyncSource(deps);
  }
}

const page = (...seqs: number[]): SyncPage => ({ messages: seqs.map(msg), has_more: false });

describe('SyncSource', () => {
  afterEach(() => jest.useRealTimers());

  it('answers a watching member from the recent messages, without a store read', async () => {
    const h = new Harness();
    h.recent = page(4, 5);
    await expect(h.source.page('u1', 'c1', 3, 100, true)).resolves.toEqual(page(4, 5));
    expect(h.storeReads).toHaveLength(0);
    expect(h.answers).toEqual(['recent']);
  });

  it('lets simultaneous resumes of one range share one store read', async () => {
    const h = new Harness();
    const all = Promise.all([1, 2, 3].map((i) => h.source.page(`u${i}`, 'c1', 3, 100, true)));
    expect(h.storeReads).toHaveLength(1);
    h.storeReads[0].resolve(page(4, 5));
    await expect(all).resolves.toEqual([page(4, 5), page(4, 5), page(4, 5)]);
    expect(h.answers).toEqual(['store', 'shared', 'shared']);
  });

  it('never shares with a socket that does not watch the conversation (the store checks membership)', async () => {
    const h = new Harness();
    void h.source.page('u1', 'c1', 3, 100, true);
    void h.source.page('stranger', 'c1', 3, 100, false);
    expect(h.storeReads.map((r) => r.userId)).toEqual(['u1', 'stranger']);
  });

  it('does not hand out a page that ends before what this gateway has since published', async () => {
    const h = new Harness();
    const first = h.source.page('u1', 'c1', 3, 100, true);
    h.storeReads[0].resolve(page(4));
    await first;
    h.published = 5; // seq 5 went out live after the page was read: a late subscriber may lack it
    const second = h.source.page('u2', 'c1', 3, 100, true);
    await new Promise((r) => setImmediate(r));
    expect(h.storeReads).toHaveLength(2);
    h.storeReads[1].resolve(page(4, 5));
    await expect(second).resolves.toEqual(page(4, 5));
  });

  it('holds a page for a moment only, and forgets a failed read', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const h = new Harness();
    const first = h.source.page('u1', 'c1', 3, 100, true);
    h.storeReads[0].reject(new Error('store down'));
    await expect(first).rejects.toThrow('store down');
    const second = h.source.page('u1', 'c1', 3, 100, true);
    expect(h.storeReads).toHaveLength(2);
    h.storeReads[1].resolve(page(4));
    await second;
    jest.setSystemTime(1_000_000 + SHARED_PAGE_HOLD_MS + 1);
    void h.source.page('u3', 'c1', 3, 100, true);
    expect(h.storeReads).toHaveLength(3);
  });
});

describe('SyncSource memory bound (issue 8: one client could hold ~550 MB of pages)', () => {
  const bigPage = (from: number, n: number): SyncPage => ({
    messages: Array.from({ length: n }, (_, i) => ({ ...msg(from + i), body: { text: 'x'.repeat(4000) } }) as Message),
    has_more: false,
  });

  it('holds at most maxSharedBytes of pages, answering every sync all the same', async () => {
    let t = 1_000_000;
    const deps: SyncSourceDeps = {
      recentAfter: () => null,
      lastPublished: () => undefined,
      storeAfter: (_u, _c, afterSeq, limit) => Promise.resolve(bigPage(afterSeq + 1, limit)),
      onAnswer: () => undefined,
      maxSharedBytes: 2_000_000,
      now: () => t,
    };
    const source = new SyncSource(deps);
    for (let i = 0; i < 300; i++) {
      const p = await source.page('u1', 'c1', i, 100 + (i % 50), true);
      expect(p.messages).toHaveLength(100 + (i % 50));
      expect(source.heldBytes).toBeLessThanOrEqual(2_000_000);
    }
    expect(source.heldBytes).toBeGreaterThan(0);
    t += SHARED_PAGE_HOLD_MS;
    source.prune();
    expect(source.heldBytes).toBe(0);
    expect(source.heldPages).toBe(0);
  });
});
