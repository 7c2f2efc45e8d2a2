import { randomUUID } from 'node:crypto';
import type { ErrorFrame } from '../support/contract';
import { HistoryChecker } from '../support/history-checker';
import { e2eTest, useParley } from '../support/suite';
import { closeAll, createDirect, makeWs, registerUser } from '../support/users';
import type { TestSocket } from '../support/ws-client';

const INVALID_FRAME_LIMIT = 40;
// The first test sends about twenty invalid frames on one socket: the limit sits above that.
const parley = useParley({ env: { PARLEY_WS_MAX_INVALID_FRAMES: String(INVALID_FRAME_LIMIT) } });

describe('malformed frames', () => {
  const sockets: TestSocket[] = [];
  afterEach(() => closeAll(sockets.splice(0)));

  e2eTest('get VALIDATION_FAILED and keep the socket; a frame over 64 KiB closes it with 1009; others chat on', async () => {
    const { baseUrl, wsUrl } = parley.current;
    const checker = new HistoryChecker(baseUrl);
    const eve = await registerUser(baseUrl, 'eve');
    const frank = await registerUser(baseUrl, 'frank');
    const xena = await registerUser(baseUrl, 'xena');
    const yuri = await registerUser(baseUrl, 'yuri');
    const eveConv = await createDirect(baseUrl, eve.accessToken, frank.user.id);
    const bystanders = await createDirect(baseUrl, xena.accessToken, yuri.user.id);
    checker.addReader(eveConv.id, frank.accessToken);
    checker.addReader(bystanders.id, xena.accessToken);

    const eveWs = await makeWs(wsUrl, eve.accessToken, { checker, clientId: 'eve' });
    const frankWs = await makeWs(wsUrl, frank.accessToken, { checker, clientId: 'frank' });
    const xenaWs = await makeWs(wsUrl, xena.accessToken, { checker, clientId: 'xena' });
    const yuriWs = await makeWs(wsUrl, yuri.accessToken, { checker, clientId: 'yuri' });
    sockets.push(eveWs, frankWs, xenaWs, yuriWs);

    let bystanderSeq = 0;
    const bystanderMessage = async () => {
      const ack = await xenaWs.sendMessage(bystanders.id, `still here ${bystanderSeq + 1}`);
      bystanderSeq++;
      expect(ack.seq).toBe(bystanderSeq);
      await yuriWs.waitForSeq(bystanders.id, bystanderSeq);
    };

    const long = 'x'.repeat(4001);
    const malformed: Array<[string, string]> = [
      ['not JSON', '{"type": "send", '],
      ['a JSON array', JSON.stringify([{ type: 'ping' }])],
      ['a JSON string', JSON.stringify('ping')],
      ['a JSON number', '42'],
      ['JSON null', 'null'],
      ['no type', JSON.stringify({ conversation_id: eveConv.id })],
      ['a numeric type', JSON.stringify({ type: 7 })],
      ['an unknown type', JSON.stringify({ type: 'shout', conversation_id: eveConv.id })],
      ['a numeric conversation_id', JSON.stringify({ type: 'send', conversation_id: 12, client_msg_id: randomUUID(), body: { text: 'hi' } })],
      ['a body that is a string', JSON.stringify({ type: 'send', conversation_id: eveConv.id, client_msg_id: randomUUID(), body: 'hi' })],
      ['a numeric text', JSON.stringify({ type: 'send', conversation_id: eveConv.id, client_msg_id: randomUUID(), body: { text: 5 } })],
      ['no body', JSON.stringify({ type: 'send', conversation_id: eveConv.id, client_msg_id: randomUUID() })],
      ['no client_msg_id', JSON.stringify({ type: 'send', conversation_id: eveConv.id, body: { text: 'hi' } })],
      ['empty text', JSON.stringify({ type: 'send', conversation_id: eveConv.id, client_msg_id: randomUUID(), body: { text: '' } })],
      ['text over 4000 characters', JSON.stringify({ type: 'send', conversation_id: eveConv.id, client_msg_id: randomUUID(), body: { text: long } })],
      ['sync with a string after_seq', JSON.stringify({ type: 'sync', conversation_id: eveConv.id, after_seq: 'zero' })],
      ['sync without conversation_id', JSON.stringify({ type: 'sync', after_seq: 0 })],
      ['read with a string seq', JSON.stringify({ type: 'read', conversation_id: eveConv.id, seq: 'all' })],
      ['typing with an unknown state', JSON.stringify({ type: 'typing', conversation_id: eveConv.id, state: 'maybe' })],
    ];

    for (const [what, raw] of malformed) {
      const from = eveWs.frames.length;
      eveWs.sendRaw(raw);
      const err = await eveWs.waitFor<ErrorFrame>((f) => f.type === 'error', `error frame for ${what}`, undefined, from);
      expect({ what, code: err.code }).toEqual({ what, code: 'VALIDATION_FAILED' });
      expect(typeof err.message).toBe('string');
      // The socket stays open: a ping is answered.
      await eveWs.ping();
      expect(eveWs.isOpen).toBe(true);
      await bystanderMessage();
    }

    // The longest valid text is accepted, over a frame of several KiB.
    const longest = await eveWs.sendMessage(eveConv.id, 'y'.repeat(4000));
    expect(longest.seq).toBe(1);
    await frankWs.waitForSeq(eveConv.id, 1);

    // A frame of about 60 KiB is under the frame limit: only its text is invalid.
    const big = JSON.stringify({ type: 'send', conversation_id: eveConv.id, client_msg_id: randomUUID(), body: { text: 'z'.repeat(60 * 1024) } });
    const fromBig = eveWs.frames.length;
    eveWs.sendRaw(big);
    const bigErr = await eveWs.waitFor<ErrorFrame>((f) => f.type === 'error', 'error frame for 60 KiB text', undefined, fromBig);
    expect(bigErr.code).toBe('VALIDATION_FAILED');
    await eveWs.ping();

    // Over 64 KiB: the socket is closed (its code is checked last, after everything else).
    eveWs.sendRaw(JSON.stringify({ type: 'ping', nonce: 'p'.repeat(64 * 1024) }));
    const closed = await eveWs.closed;

    // Everyone else is unaffected, Eve's partner included, and Eve can come back.
    await bystanderMessage();
    const eveAgain = await makeWs(wsUrl, eve.accessToken, { checker, clientId: 'eve-again' });
    sockets.push(eveAgain);
    const second = await eveAgain.sendMessage(eveConv.id, 'back');
    expect(second.seq).toBe(2);
    await frankWs.waitForSeq(eveConv.id, 2);

    checker.expectCompleteDelivery(bystanders.id, ['xena', 'yuri']);
    checker.expectCompleteDelivery(eveConv.id, ['frank']);
    await checker.verify();
    expect(closed).toMatchObject({ code: 1009 });
  });

  e2eTest('a client that keeps sending invalid frames is closed with 1008', async () => {
    const { baseUrl, wsUrl } = parley.current;
    const checker = new HistoryChecker(baseUrl);
    const spammer = await registerUser(baseUrl, 'spam');
    const ws = await makeWs(wsUrl, spammer.accessToken, { checker });
    sockets.push(ws);
    for (let i = 0; i <= INVALID_FRAME_LIMIT + 5 && ws.isOpen; i++) ws.sendRaw(`garbage ${i}`);
    const closed = await ws.closed;
    expect(closed.code).toBe(1008);
    const errors = ws.frames.filter((f) => f.type === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.length).toBeLessThanOrEqual(INVALID_FRAME_LIMIT + 1);
    await checker.verify(spammer.accessToken);
  });
});
