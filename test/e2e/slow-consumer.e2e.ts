import { isMessageFrame, type Frame, type Presence } from '../support/contract';
import { HistoryChecker } from '../support/history-checker';
import { gatewayMetricsUrls, sampleSumsBy, scrapeAll } from '../support/metrics';
import { restOk } from '../support/rest';
import { e2eTest, useParley } from '../support/suite';
import { closeAll, createGroup, makeWs, registerUsers } from '../support/users';
import { eventually, sleep } from '../support/wait';
import type { TestSocket } from '../support/ws-client';

/** The smallest send-buffer bound the gateway accepts: a few messages of this size fill it. */
const BUFFER_BOUND = 64 * 1024;
/**
 * Near the longest text the contract allows (4,000 code points), in 4-byte code points: about
 * 16 KB a message, so the kernel's buffers (up to 4 MB on the gateway's side) and the gateway's
 * fill in a few hundred messages. The slow reader's pause must stay short (see below).
 */
const TEXT = '\u{1F4AC}'.repeat(4000 - 20);
/** Messages each sender has in flight at once; the senders check for the close between rounds. */
const PER_ROUND = 5;
/** The test gives up (and fails) if the reader is still connected after this many messages. */
const MAX_MESSAGES = 2000;
const SENDERS = 4;
const CLOSE_WAIT_MS = 20_000;
const CLOSE_POLL_MS = 50;
const CLOSES = 'parley_gateway_ws_closes_total';

// Senders fire as fast as acks come back; the send rate limit is not under test.
const parley = useParley({ env: { PARLEY_WS_MAX_BUFFERED_BYTES: String(BUFFER_BOUND), PARLEY_SEND_RATE_PER_SECOND: '2000' } });

describe('slow consumer', () => {
  const sockets: TestSocket[] = [];
  afterEach(() => closeAll(sockets.splice(0)));

  e2eTest('a client that stops reading is closed with 4408 while the others receive every message in order', async () => {
    const { baseUrl, wsUrl } = parley.current;
    const checker = new HistoryChecker(baseUrl);
    const [slow, steady, ...senders] = await registerUsers(baseUrl, 'slowc', 2 + SENDERS);
    const group = await createGroup(baseUrl, senders[0].accessToken, 'slow reader', [slow.user.id, steady.user.id, ...senders.slice(1).map((u) => u.user.id)]);
    checker.addReader(group.id, steady.accessToken);

    const slowWs = await makeWs(wsUrl, slow.accessToken, { checker, clientId: 'slow' });
    const steadyWs = await makeWs(wsUrl, steady.accessToken, { checker, clientId: 'steady' });
    const senderWs = await Promise.all(senders.map((u, i) => makeWs(wsUrl, u.accessToken, { checker, clientId: `sender${i}` })));
    sockets.push(slowWs, steadyWs, ...senderWs);

    // The slow client stops reading: its TCP window fills, then the gateway's send buffer for it grows.
    // On loopback the pause has to be short. The reader's receive buffer stays at its initial
    // 128 KiB (it never read enough for the kernel to grow it), so the window it reopens is under
    // loopback's 64 KiB segment size, and the gateway's kernel does not send into it: it waits
    // for its next zero-window probe, whose interval doubled all through the pause. A pause of 15 s
    // could delay the backlog past uWS's close timeout (12 to 16 s after the close), which then
    // drops the queued close frame: the reader saw 1006, not 4408 (seen with `ss -ti`: backoff 6,
    // a 54 KB window, 3.9 MB unsent). Large messages, sent several at a time by four senders, keep
    // the pause to about 2 s here (it was 15 to 30 s).
    slowWs.ws.pause();

    // The gateways count the sockets they close by close code (on their admin ports, which answer
    // at once: no Redis or gRPC hop, unlike presence, which can lag by seconds under this load).
    const gateways = gatewayMetricsUrls(await parley.current.metricsUrls());
    const closesByCode = async () => sampleSumsBy(await scrapeAll(gateways), CLOSES, 'code');
    const before = await closesByCode();
    const closedSince = async () => {
      const now = await closesByCode();
      return Object.fromEntries(Object.entries(now).flatMap(([code, n]) => (n - (before[code] ?? 0) > 0 ? [[code, n - (before[code] ?? 0)]] : [])));
    };

    // On the side, watch for a gateway closing a socket and then read again at once: uWS ends the
    // TCP connection of a socket it closed once its close timeout passes (16 s with our idle
    // timeout, at a 4 s granularity), discarding what is still queued, the close frame included.
    let sending = true;
    let serverClosed: Record<string, number> = {};
    let watching = true;
    const watcher = (async () => {
      try {
        while (sending) {
          serverClosed = await closedSince();
          if (Object.keys(serverClosed).length > 0) {
            slowWs.ws.resume();
            return;
          }
          await sleep(CLOSE_POLL_MS);
        }
      } finally {
        watching = false;
      }
    })();

    // Meanwhile the senders send, side by side and several at a time, until the slow socket is closed.
    let sent = 0;
    let round = 0;
    try {
      while (watching && sent < MAX_MESSAGES) {
        await Promise.all(
          senderWs.flatMap((ws, i) => Array.from({ length: PER_ROUND }, (_, n) => ws.sendMessage(group.id, `${i}:${round}:${n} ${TEXT}`))),
        );
        sent += PER_ROUND * SENDERS;
        round++;
      }
    } finally {
      sending = false;
      await watcher;
    }
    if (Object.keys(serverClosed).length === 0) throw new Error(`the slow reader was still connected after ${sent} messages`);
    // The one socket the gateways closed is the slow reader's, closed as a slow consumer (not by the
    // uWS memory backstop, which closes without a code).
    expect(serverClosed).toEqual({ '4408': 1 });

    // Having read its backlog, the slow client finds the close frame.
    const closed = await Promise.race([slowWs.closed, sleep(CLOSE_WAIT_MS).then(() => null)]);
    if (closed === null) throw new Error(`the slow reader saw no close within ${CLOSE_WAIT_MS} ms of reading again`);

    // Its owner goes offline, and the others chat on.
    const presenceOfSlow = async () =>
      (await restOk<Presence>(baseUrl, 'GET', `/v1/users/${slow.user.id}/presence`, 200, { token: steady.accessToken })).status;
    await eventually('the slow reader is offline', async () => expect(await presenceOfSlow()).toBe('offline'));

    const after = await senderWs[0].sendMessage(group.id, 'after the slow reader left');
    sent++;
    expect(after.seq).toBe(sent);

    const isGroupMessage = (f: Frame) => isMessageFrame(f) && f.conversation_id === group.id;
    const allSeqs = Array.from({ length: sent }, (_, i) => i + 1);
    for (const ws of [steadyWs, ...senderWs]) {
      await ws.waitForCount(isGroupMessage, sent, `messages of ${group.id}`);
      expect(ws.messages(group.id).map((m) => m.seq)).toEqual(allSeqs);
      expect(ws.isOpen).toBe(true);
    }
    // Up to its close the slow reader got the conversation from the start, in order, with no gap.
    const slowSeqs = slowWs.messages(group.id).map((m) => m.seq);
    expect(slowSeqs.length).toBeGreaterThan(0);
    expect(slowSeqs).toEqual(allSeqs.slice(0, slowSeqs.length));

    checker.expectCompleteDelivery(group.id, ['steady', ...senderWs.map((s) => s.clientId)]);
    await checker.verify();
    expect(closed).toMatchObject({ code: 4408 });
    expect(await closedSince()).toEqual({ '4408': 1 });
  });
});
