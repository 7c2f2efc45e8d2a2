import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WireMessage } from './contract';
import { HistoryChecker, restHistoryReader, type HistoryReader, type StoredHistory } from './history-checker';

const CONV = 'c1';
const ALICE = 'u-alice';
const BOB = 'u-bob';

function msg(seq: number, over: Partial<WireMessage> = {}): WireMessage {
  return {
    id: `m${seq}`,
    conversation_id: CONV,
    seq,
    sender_id: ALICE,
    client_msg_id: `cm${seq}`,
    body: { text: `text ${seq}` },
    created_at: '2025-01-01T00:00:00.000Z',
    ...over,
  };
}

function readerOf(histories: Record<string, WireMessage[]>, lastSeq?: Record<string, number>): HistoryReader {
  return async (conversationId): Promise<StoredHistory> => {
    const messages = histories[conversationId] ?? [];
    return { messages, lastSeq: lastSeq?.[conversationId] ?? (messages.length ? messages[messages.length - 1].seq : 0) };
  };
}

/** A clean history: three messages, acked, delivered in order to Bob. */
function cleanChecker(histories: Record<string, WireMessage[]> = { [CONV]: [msg(1), msg(2), msg(3)] }) {
  const h = new HistoryChecker(readerOf(histories));
  for (const seq of [1, 2, 3]) {
    h.recordSend({ clientId: 'alice', senderId: ALICE, conversationId: CONV, clientMsgId: `cm${seq}`, text: `text ${seq}` });
    h.recordAck({ conversationId: CONV, senderId: ALICE, clientMsgId: `cm${seq}`, seq, messageId: `m${seq}`, via: 'ws' });
  }
  return h;
}

async function violationsOf(h: HistoryChecker): Promise<string> {
  try {
    await h.verify('token');
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('verify passed but a violation was expected');
}

describe('HistoryChecker', () => {
  it('passes a clean history with in-order deliveries', async () => {
    const h = cleanChecker();
    for (const seq of [1, 2, 3]) h.recordDelivery('bob', 'k1', msg(seq));
    h.expectCompleteDelivery(CONV, ['bob']);
    await expect(h.verify('token')).resolves.toEqual({ conversations: 1, storedMessages: 3, acks: 3, deliveries: 3 });
  });

  it('catches a gap in stored seqs', async () => {
    const h = cleanChecker({ [CONV]: [msg(1), msg(3)] });
    const report = await violationsOf(h);
    expect(report).toContain(`gap: conversation ${CONV} stores seq 3 after seq 1 (seq 2 missing)`);
  });

  it('catches a gap at the start', async () => {
    const h = new HistoryChecker(readerOf({ [CONV]: [msg(2)] }));
    h.watch(CONV);
    expect(await violationsOf(h)).toContain('seq 1 missing');
  });

  it('catches a duplicate seq and a message stored twice', async () => {
    const dupSeq = new HistoryChecker(readerOf({ [CONV]: [msg(1), msg(2), msg(2, { id: 'other', client_msg_id: 'x' })] }));
    dupSeq.watch(CONV);
    expect(await violationsOf(dupSeq)).toContain(`duplicate seq: conversation ${CONV} stores seq 2 twice (ids m2 and other)`);

    const dupMessage = new HistoryChecker(readerOf({ [CONV]: [msg(1), msg(2, { id: 'm2b', client_msg_id: 'cm1' })] }));
    dupMessage.watch(CONV);
    expect(await violationsOf(dupMessage)).toContain('duplicate message');
  });

  it('catches a duplicate delivery within one connection', async () => {
    const h = cleanChecker();
    for (const seq of [1, 2, 2, 3]) h.recordDelivery('bob', 'k1', msg(seq));
    expect(await violationsOf(h)).toContain(`duplicate delivery: client bob connection k1 conversation ${CONV} received seq 2 twice`);
  });

  it('allows a repeat in a new connection and after a sync, not before it', async () => {
    const allowed = cleanChecker();
    for (const seq of [1, 2]) allowed.recordDelivery('bob', 'k1', msg(seq));
    for (const seq of [2, 3]) allowed.recordDelivery('bob', 'k2', msg(seq));
    allowed.recordSync('bob', 'k2', CONV, 1);
    for (const seq of [2, 3]) allowed.recordDelivery('bob', 'k2', msg(seq));
    await expect(allowed.verify('token')).resolves.toBeDefined();

    // A sync from seq 2 does not excuse seeing seq 1 again.
    const notAllowed = cleanChecker();
    for (const seq of [1, 2]) notAllowed.recordDelivery('bob', 'k1', msg(seq));
    notAllowed.recordSync('bob', 'k1', CONV, 2);
    notAllowed.recordDelivery('bob', 'k1', msg(1));
    expect(await violationsOf(notAllowed)).toContain('received seq 1 twice');
  });

  it('catches out-of-order delivery', async () => {
    const h = cleanChecker();
    for (const seq of [1, 3, 2]) h.recordDelivery('bob', 'k1', msg(seq));
    expect(await violationsOf(h)).toContain(`out of order: client bob connection k1 conversation ${CONV} received seq 2 after seq 3`);
  });

  it('catches a lost ack: acknowledged seq missing from the store', async () => {
    const h = cleanChecker({ [CONV]: [msg(1), msg(2)] });
    expect(await violationsOf(h)).toContain(
      `lost ack: client_msg_id cm3 was acknowledged (ws) as seq 3 id m3 in ${CONV}, but the store has no message at seq 3`,
    );
  });

  it('catches a lost ack: another message stored at the acknowledged seq', async () => {
    const h = cleanChecker({ [CONV]: [msg(1), msg(2), msg(3, { id: 'm-other', client_msg_id: 'someone-else' })] });
    expect(await violationsOf(h)).toContain('but the store has id m-other client_msg_id someone-else');
  });

  it('catches acks that disagree for one client_msg_id', async () => {
    const h = cleanChecker();
    h.recordAck({ conversationId: CONV, senderId: ALICE, clientMsgId: 'cm1', seq: 2, messageId: 'm2', via: 'rest' });
    expect(await violationsOf(h)).toContain('conflicting acks: client_msg_id cm1');
  });

  it('catches a delivery that differs from the store and a phantom delivery', async () => {
    const h = cleanChecker();
    h.recordDelivery('bob', 'k1', msg(1, { id: 'forged' }));
    h.recordDelivery('bob', 'k1', msg(4));
    const report = await violationsOf(h);
    expect(report).toContain('delivery differs from store');
    expect(report).toContain('phantom delivery');
  });

  it('catches a missed delivery when complete delivery is expected', async () => {
    const h = cleanChecker();
    h.recordDelivery('bob', 'k1', msg(1));
    h.recordDelivery('bob', 'k2', msg(3));
    h.expectCompleteDelivery(CONV, ['bob', 'carol']);
    const report = await violationsOf(h);
    expect(report).toContain(`missed delivery: client bob never received conversation ${CONV} seq 2 (of 3 expected)`);
    expect(report).toContain(`missed delivery: client carol never received conversation ${CONV} seqs 1, 2, 3`);
  });

  it('catches a stored text that differs from what was sent', async () => {
    const h = cleanChecker({ [CONV]: [msg(1), msg(2, { body: { text: 'tampered' } }), msg(3)] });
    expect(await violationsOf(h)).toContain('text mismatch');
  });

  it('catches a last_seq that disagrees with the history', async () => {
    const h = new HistoryChecker(readerOf({ [CONV]: [msg(1)] }, { [CONV]: 2 }));
    h.watch(CONV);
    expect(await violationsOf(h)).toContain(`last_seq: conversation ${CONV} reports last_seq 2 but its history ends at seq 1`);
  });

  it('needs a reader token for every conversation', async () => {
    const h = cleanChecker();
    await expect(h.verify()).rejects.toThrow('no reader token');
    h.addReader(CONV, 'token');
    await expect(h.verify()).resolves.toBeDefined();
  });

  it('reads each conversation with its own reader token', async () => {
    const seen: string[] = [];
    const h = new HistoryChecker(async (conversationId, token) => {
      seen.push(`${conversationId}:${token}`);
      return { messages: [], lastSeq: 0 };
    });
    h.addReader('a', 'tok-a');
    h.watch('b');
    await h.verify('tok-default');
    expect(seen.sort()).toEqual(['a:tok-a', 'b:tok-default']);
  });
});

describe('restHistoryReader', () => {
  let server: Server;
  let baseUrl: string;
  const requests: string[] = [];
  const all = Array.from({ length: 230 }, (_, i) => msg(i + 1, { sender_id: i % 2 ? ALICE : BOB }));

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(`${req.url} ${req.headers.authorization}`);
      const url = new URL(req.url ?? '/', 'http://x');
      res.setHeader('content-type', 'application/json');
      if (url.pathname === `/v1/conversations/${CONV}`) {
        res.end(JSON.stringify({ id: CONV, last_seq: 230 }));
        return;
      }
      const after = Number(url.searchParams.get('after_seq'));
      const limit = Number(url.searchParams.get('limit'));
      const page = all.filter((m) => m.seq > after).slice(0, limit);
      res.end(JSON.stringify({ messages: page, has_more: after + page.length < all.length }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  });

  it('pages with after_seq until has_more is false and reads last_seq', async () => {
    const history = await restHistoryReader(baseUrl)(CONV, 'tok');
    expect(history.messages.map((m) => m.seq)).toEqual(all.map((m) => m.seq));
    expect(history.lastSeq).toBe(230);
    expect(requests).toEqual([
      `/v1/conversations/${CONV}/messages?after_seq=0&limit=100 Bearer tok`,
      `/v1/conversations/${CONV}/messages?after_seq=100&limit=100 Bearer tok`,
      `/v1/conversations/${CONV}/messages?after_seq=200&limit=100 Bearer tok`,
      `/v1/conversations/${CONV} Bearer tok`,
    ]);
  });
});
