import { Message } from '@parley/domain';
import { ConversationFeed, MAX_GAP_FILL } from './conversation-feed';

const CONV = 'conv-1';

function message(seq: number): Message {
  return {
    id: `m${seq}`,
    conversation_id: CONV,
    seq,
    sender_id: 'alice',
    client_msg_id: `c${seq}`,
    body: { text: `text ${seq}` },
    created_at: '2025-01-01T00:00:00.000Z',
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A feed over a store holding seqs 1..storedUpTo, recording what it publishes and asks. */
function setup(storedUpTo = 0) {
  const published: number[] = [];
  const asked: Array<[string, number, number]> = [];
  const errors: unknown[] = [];
  let failBackfill: Error | null = null;
  const feed = new ConversationFeed(
    CONV,
    (m) => {
      published.push(m.seq);
    },
    async (conversationId, afterSeq, limit) => {
      asked.push([conversationId, afterSeq, limit]);
      if (failBackfill) throw failBackfill;
      return range(afterSeq + 1, Math.min(storedUpTo, afterSeq + limit)).map(message);
    },
    (err) => errors.push(err),
  );
  return {
    feed,
    published,
    asked,
    errors,
    failBackfillWith: (e: Error | null) => {
      failBackfill = e;
    },
  };
}

describe('ConversationFeed', () => {
  it('publishes copies in order, starting at the first copy it sees', async () => {
    const { feed, published, asked } = setup();
    for (const seq of [5, 6, 7]) await feed.offer(message(seq));
    expect(published).toEqual([5, 6, 7]);
    expect(asked).toEqual([]);
  });

  it('drops a copy it has already published, and anything older', async () => {
    const { feed, published } = setup();
    for (const seq of [1, 2, 2, 1, 3, 3]) await feed.offer(message(seq));
    expect(published).toEqual([1, 2, 3]);
  });

  it('fills a gap from the store before publishing the copy that revealed it', async () => {
    const { feed, published, asked } = setup(10);
    await feed.offer(message(1));
    await feed.offer(message(5));
    expect(published).toEqual([1, 2, 3, 4, 5]);
    expect(asked).toEqual([[CONV, 1, 3]]);
    // The filled seqs are not published twice when their own copies arrive late.
    await feed.offer(message(3));
    await feed.offer(message(6));
    expect(published).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('publishes what the store has when it cannot fill the whole gap', async () => {
    const { feed, published } = setup(3);
    await feed.offer(message(1));
    await feed.offer(message(6));
    expect(published).toEqual([1, 2, 3, 6]);
  });

  it('still publishes the copy when the gap fill fails, and reports the failure', async () => {
    const { feed, published, errors, failBackfillWith } = setup(10);
    await feed.offer(message(1));
    failBackfillWith(new Error('messaging unavailable'));
    await feed.offer(message(4));
    expect(published).toEqual([1, 4]);
    expect(errors).toEqual([new Error('messaging unavailable')]);
    // It carries on from the published seq.
    failBackfillWith(null);
    await feed.offer(message(5));
    expect(published).toEqual([1, 4, 5]);
  });

  it('leaves a gap larger than it fills to the clients', async () => {
    const { feed, published, asked } = setup(10_000);
    await feed.offer(message(1));
    await feed.offer(message(MAX_GAP_FILL + 3));
    expect(published).toEqual([1, MAX_GAP_FILL + 3]);
    expect(asked).toEqual([]);
  });

  it('fills a gap of exactly MAX_GAP_FILL', async () => {
    const { feed, published } = setup(10_000);
    await feed.offer(message(1));
    await feed.offer(message(MAX_GAP_FILL + 2));
    expect(published).toEqual(range(1, MAX_GAP_FILL + 2));
  });

  it('handles copies offered together one after another, in offer order', async () => {
    const { feed, published } = setup(10);
    await feed.offer(message(1));
    // Not awaited one by one: the copy of 4 must wait for the gap fill that 3 triggers.
    await Promise.all([feed.offer(message(3)), feed.offer(message(4)), feed.offer(message(2))]);
    expect(published).toEqual([1, 2, 3, 4]);
  });

  it('waits for a publish that makes it wait before the next one, keeping the order', async () => {
    const published: number[] = [];
    const release: Array<() => void> = [];
    const feed = new ConversationFeed(
      CONV,
      (m) => {
        published.push(m.seq);
        return new Promise<void>((resolve) => release.push(resolve));
      },
      async (_id, afterSeq, limit) => range(afterSeq + 1, afterSeq + limit).map(message),
      () => undefined,
    );
    const done = Promise.all([feed.offer(message(1)), feed.offer(message(4)), feed.offer(message(5))]);
    for (let expected = 1; expected <= 5; expected++) {
      await new Promise((resolve) => setImmediate(resolve));
      expect(published).toEqual(range(1, expected));
      release.shift()?.();
    }
    await done;
    expect(published).toEqual([1, 2, 3, 4, 5]);
  });

  it('ignores gap-fill rows outside the gap', async () => {
    const published: number[] = [];
    const feed = new ConversationFeed(
      CONV,
      (m) => {
        published.push(m.seq);
      },
      async () => [message(1), message(2), message(3), message(9)],
      () => undefined,
    );
    await feed.offer(message(2));
    await feed.offer(message(5));
    expect(published).toEqual([2, 3, 5]);
  });
});

describe('ConversationFeed recent messages', () => {
  const retaining = (retain: () => boolean, storedUpTo = 0) =>
    new ConversationFeed(
      CONV,
      () => undefined,
      async (_c, afterSeq, limit) => range(afterSeq + 1, Math.min(storedUpTo, afterSeq + limit)).map(message),
      () => undefined,
      retain,
      4,
    );

  it('answers a resume from what it published, gap-filled messages included', async () => {
    const feed = retaining(() => true, 10);
    await feed.offer(message(1));
    await feed.offer(message(3)); // 2 comes from the store first
    expect(feed.recentAfter(1, 10)?.messages.map((m) => m.seq)).toEqual([2, 3]);
    expect(feed.lastPublished).toBe(3);
  });

  it('keeps nothing while retain() says no, and cannot answer then', async () => {
    let retain = false;
    const feed = retaining(() => retain);
    await feed.offer(message(1));
    expect(feed.recentAfter(0, 10)).toBeNull();
    retain = true;
    await feed.offer(message(2));
    expect(feed.recentAfter(0, 10)).toBeNull(); // seq 1 went out before it kept anything
    expect(feed.recentAfter(1, 10)?.messages.map((m) => m.seq)).toEqual([2]);
  });

  it('does not vouch across a gap it could not fill', async () => {
    const feed = retaining(() => true, 0); // the store has nothing to fill with
    await feed.offer(message(1));
    await feed.offer(message(4));
    expect(feed.recentAfter(1, 10)).toBeNull();
    expect(feed.recentAfter(3, 10)?.messages.map((m) => m.seq)).toEqual([4]);
  });

  it('once retired, publishes nothing more, not even a gap fill already waiting for the store', async () => {
    // The soak's reorder: a feed dropped (its last local socket gone) while a gap fill was in
    // flight published the filled seq after a new feed for the same topic had published a later one.
    const published: number[] = [];
    let release: (ms: Message[]) => void = () => undefined;
    const feed = new ConversationFeed(
      CONV,
      (m) => {
        published.push(m.seq);
      },
      () => new Promise<Message[]>((resolve) => (release = resolve)),
      () => undefined,
    );
    await feed.offer(message(7664));
    const pending = feed.offer(message(7666)); // gap of one: waits for the store
    await Promise.resolve();
    feed.retire();
    release([message(7665)]);
    await pending;
    await feed.offer(message(7667));
    expect(published).toEqual([7664]);
  });
});
