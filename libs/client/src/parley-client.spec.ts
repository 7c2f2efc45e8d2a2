import { ClientFrame, MessageDto, ServerFrame } from '@parley/protocol';
import { ParleyClientError } from './errors';
import { ParleyClientOptions, TokenRequest } from './client-types';
import { ParleyClient } from './parley-client';
import { WebSocketLike } from './websocket-like';

/** An in-memory stand-in for a WebSocket: the test plays the server. */
class FakeSocket implements WebSocketLike {
  static instances: FakeSocket[] = [];
  readyState = 0;
  readonly sent: ClientFrame[] = [];
  closedByClient: number | undefined;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(JSON.parse(data) as ClientFrame);
  }

  close(code = 1000): void {
    this.closedByClient = code;
    this.readyState = 3;
  }

  // --- the server's side ---

  accept(userId = 'u1'): void {
    this.readyState = 1;
    this.onopen?.({});
    this.push({ type: 'hello', user_id: userId, session_id: 's1', heartbeat_ms: 0 });
  }

  push(frame: ServerFrame | Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  drop(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  framesOfType<T extends ClientFrame['type']>(type: T): Extract<ClientFrame, { type: T }>[] {
    return this.sent.filter((f): f is Extract<ClientFrame, { type: T }> => f.type === type);
  }
}

const msg = (conversation_id: string, seq: number, text = `m${seq}`): MessageDto => ({
  id: `${conversation_id}-${seq}`,
  conversation_id,
  seq,
  sender_id: 'u2',
  client_msg_id: `k${seq}`,
  body: { text },
  created_at: '2025-01-01T00:00:00.000Z',
});

/** Lets queued promise callbacks and zero-delay timers run. */
const settle = async (rounds = 5): Promise<void> => {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setTimeout(resolve, 0));
};

const latest = (): FakeSocket => {
  const s = FakeSocket.instances[FakeSocket.instances.length - 1];
  if (!s) throw new Error('no socket was opened');
  return s;
};

describe('ParleyClient', () => {
  let client: ParleyClient;
  let tokenRequests: TokenRequest[];
  let received: MessageDto[];

  const make = (options: Partial<ParleyClientOptions> = {}) => {
    client = new ParleyClient({
      wsUrl: 'ws://parley.test/v1/ws',
      getToken: (request) => {
        tokenRequests.push(request);
        return `token-${tokenRequests.length}`;
      },
      WebSocketImpl: FakeSocket,
      reconnect: { initialMs: 0, maxMs: 0, jitter: 0 },
      ...options,
    });
    client.on('message', (m) => received.push(m));
    return client;
  };

  const connected = async (options: Partial<ParleyClientOptions> = {}): Promise<FakeSocket> => {
    make(options);
    const hello = client.connect();
    await settle();
    latest().accept();
    await hello;
    await settle();
    return latest();
  };

  beforeEach(() => {
    FakeSocket.instances = [];
    tokenRequests = [];
    received = [];
  });

  afterEach(() => client.close());

  it('connects with the token in the query string and resolves on hello', async () => {
    make();
    const hello = client.connect();
    await settle();
    expect(latest().url).toBe('ws://parley.test/v1/ws?access_token=token-1');
    expect(client.state).toBe('connecting');
    latest().accept('alice');
    await expect(hello).resolves.toEqual({ type: 'hello', user_id: 'alice', session_id: 's1', heartbeat_ms: 0 });
    expect(client.state).toBe('open');
    expect(tokenRequests).toEqual([{ reason: 'connect' }]);
  });

  it('rejects the first connect when the socket closes before hello, without retrying', async () => {
    make();
    const hello = client.connect();
    await settle();
    latest().drop(1006);
    await expect(hello).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
    await settle();
    expect(FakeSocket.instances).toHaveLength(1);
  });

  it('never emits a message twice', async () => {
    const ws = await connected();
    client.trackConversation('c1', 0);
    for (const seq of [1, 2, 2, 1, 3, 3]) ws.push({ type: 'message', ...msg('c1', seq) });
    expect(received.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(client.lastSeqOf('c1')).toBe(3);
    expect(ws.framesOfType('sync')).toEqual([]);
  });

  it('buffers past a gap, syncs from the last seq and delivers in order', async () => {
    const ws = await connected();
    client.trackConversation('c1', 0);
    const gaps: unknown[] = [];
    const synced: unknown[] = [];
    client.on('gap', (g) => gaps.push(g));
    client.on('synced', (s) => synced.push(s));

    ws.push({ type: 'message', ...msg('c1', 1) });
    ws.push({ type: 'message', ...msg('c1', 4) });
    expect(received.map((m) => m.seq)).toEqual([1]);
    expect(gaps).toEqual([{ conversation_id: 'c1', after_seq: 1, seen_seq: 4 }]);
    await settle();
    expect(ws.framesOfType('sync')).toEqual([{ type: 'sync', conversation_id: 'c1', after_seq: 1, limit: 100 }]);

    for (const seq of [2, 3, 4]) ws.push({ type: 'message', ...msg('c1', seq) });
    ws.push({ type: 'sync.done', conversation_id: 'c1', last_seq: 4, has_more: false });
    await settle();
    expect(received.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(synced).toEqual([{ conversation_id: 'c1', last_seq: 4 }]);
  });

  it('keeps syncing page after page while the server has more', async () => {
    const ws = await connected({ syncPageSize: 2 });
    const done = client.sync('c9', 0);
    await settle();
    expect(ws.framesOfType('sync')).toEqual([{ type: 'sync', conversation_id: 'c9', after_seq: 0, limit: 2 }]);
    ws.push({ type: 'message', ...msg('c9', 1) });
    ws.push({ type: 'message', ...msg('c9', 2) });
    ws.push({ type: 'sync.done', conversation_id: 'c9', last_seq: 2, has_more: true });
    await settle();
    expect(ws.framesOfType('sync').at(-1)).toEqual({ type: 'sync', conversation_id: 'c9', after_seq: 2, limit: 2 });
    ws.push({ type: 'message', ...msg('c9', 3) });
    ws.push({ type: 'sync.done', conversation_id: 'c9', last_seq: 3, has_more: false });
    await expect(done).resolves.toEqual({ conversation_id: 'c9', last_seq: 3 });
    expect(received.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('resolves a send on its persisted ack', async () => {
    const ws = await connected();
    const acked = client.send('c1', 'hello', { clientMsgId: 'k-1' });
    await settle();
    expect(ws.framesOfType('send')).toEqual([{ type: 'send', conversation_id: 'c1', client_msg_id: 'k-1', body: { text: 'hello' } }]);
    ws.push({ type: 'ack', client_msg_id: 'k-1', conversation_id: 'c1', status: 'received' });
    ws.push({ type: 'ack', client_msg_id: 'k-1', conversation_id: 'c1', status: 'persisted', seq: 7, message_id: 'm7', created_at: 't' });
    await expect(acked).resolves.toEqual({ conversation_id: 'c1', client_msg_id: 'k-1', seq: 7, message_id: 'm7', created_at: 't' });
  });

  it('generates a client_msg_id when none is given', async () => {
    const ws = await connected();
    void client.send('c1', 'hi').catch(() => undefined);
    await settle();
    const [frame] = ws.framesOfType('send');
    expect(frame.client_msg_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('rejects a send on an error frame naming its client_msg_id', async () => {
    const ws = await connected();
    const errors: ParleyClientError[] = [];
    client.on('error', (e) => errors.push(e));
    const acked = client.send('c1', 'hello', { clientMsgId: 'k-2' });
    await settle();
    ws.push({ type: 'error', code: 'FORBIDDEN', message: 'not a member', client_msg_id: 'k-2' });
    await expect(acked).rejects.toMatchObject({ name: 'ParleyClientError', code: 'FORBIDDEN', client_msg_id: 'k-2' });
    expect(errors).toEqual([]);
  });

  it('a send refused by a mute or slow mode (issue 13.4) rejects with the code and retryAfter', async () => {
    const ws = await connected();
    const acked = client.send('c1', 'too soon', { clientMsgId: 'k-slow' });
    await settle();
    ws.push({ type: 'error', code: 'SLOW_MODE', message: 'slow mode: one message every 30 s', client_msg_id: 'k-slow', retry_after: 17 });
    await expect(acked).rejects.toMatchObject({ name: 'ParleyClientError', code: 'SLOW_MODE', client_msg_id: 'k-slow', retryAfter: 17 });
  });

  it('after a drop, reconnects, syncs tracked conversations, then re-sends with the same client_msg_id', async () => {
    const ws1 = await connected();
    client.trackConversation('c1', 0);
    ws1.push({ type: 'message', ...msg('c1', 1) });
    const acked = client.send('c1', 'survive', { clientMsgId: 'k-3' });
    await settle();
    ws1.push({ type: 'ack', client_msg_id: 'k-3', conversation_id: 'c1', status: 'received' });

    ws1.drop(1006);
    expect(client.state).toBe('connecting');
    await settle();
    const ws2 = latest();
    expect(ws2).not.toBe(ws1);
    expect(tokenRequests.at(-1)).toEqual({ reason: 'reconnect' });
    ws2.accept();
    await settle();

    // The resume syncs first and holds the send back until the sync is done.
    expect(ws2.sent).toEqual([{ type: 'sync', conversation_id: 'c1', after_seq: 1, limit: 100 }]);
    ws2.push({ type: 'message', ...msg('c1', 2, 'missed while away') });
    ws2.push({ type: 'sync.done', conversation_id: 'c1', last_seq: 2, has_more: false });
    await settle();
    expect(ws2.framesOfType('send')).toEqual([{ type: 'send', conversation_id: 'c1', client_msg_id: 'k-3', body: { text: 'survive' } }]);

    ws2.push({ type: 'ack', client_msg_id: 'k-3', conversation_id: 'c1', status: 'persisted', seq: 3, message_id: 'm3', created_at: 't' });
    await expect(acked).resolves.toMatchObject({ client_msg_id: 'k-3', seq: 3 });
    expect(received.map((m) => m.seq)).toEqual([1, 2]);
  });

  it('re-sends a send whose persisted ack is late on the same socket, same client_msg_id, waits doubling', async () => {
    const ws = await connected({ resendAfterMs: 40 });
    const acked = client.send('c1', 'again', { clientMsgId: 'k-r' });
    await settle();
    ws.push({ type: 'ack', client_msg_id: 'k-r', conversation_id: 'c1', status: 'received' });
    await new Promise((resolve) => setTimeout(resolve, 60));
    // One resend after 40 ms; the next would come 80 ms after it.
    expect(ws.framesOfType('send').map((f) => f.client_msg_id)).toEqual(['k-r', 'k-r']);
    await new Promise((resolve) => setTimeout(resolve, 90));
    expect(ws.framesOfType('send')).toHaveLength(3);
    expect(FakeSocket.instances).toHaveLength(1);
    ws.push({ type: 'ack', client_msg_id: 'k-r', conversation_id: 'c1', status: 'persisted', seq: 4, message_id: 'm4', created_at: 't' });
    await expect(acked).resolves.toMatchObject({ client_msg_id: 'k-r', seq: 4 });
    // The answer to a resend after the send settled is ignored, and no resend follows.
    ws.push({ type: 'ack', client_msg_id: 'k-r', conversation_id: 'c1', status: 'persisted', seq: 4, message_id: 'm4', created_at: 't' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(ws.framesOfType('send')).toHaveLength(3);
  });

  it('keeps a send answered UNAVAILABLE pending and re-sends it (same client_msg_id)', async () => {
    const ws = await connected({ resendAfterMs: 30 });
    const errors: ParleyClientError[] = [];
    client.on('error', (e) => errors.push(e));
    const acked = client.send('c1', 'later', { clientMsgId: 'k-u' });
    await settle();
    ws.push({ type: 'error', code: 'UNAVAILABLE', message: 'kafka: leader not available', client_msg_id: 'k-u' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ws.framesOfType('send').map((f) => f.client_msg_id)).toEqual(['k-u', 'k-u']);
    expect(errors.map((e) => e.code)).toEqual(['UNAVAILABLE']);
    ws.push({ type: 'ack', client_msg_id: 'k-u', conversation_id: 'c1', status: 'persisted', seq: 9, message_id: 'm9', created_at: 't' });
    await expect(acked).resolves.toMatchObject({ seq: 9 });
  });

  it('fails a send answered UNAVAILABLE when resends are off', async () => {
    const ws = await connected({ resendAfterMs: 0 });
    const acked = client.send('c1', 'now', { clientMsgId: 'k-u0' });
    await settle();
    ws.push({ type: 'error', code: 'UNAVAILABLE', message: 'down', client_msg_id: 'k-u0' });
    await expect(acked).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('re-sends only on reconnect when resendAfterMs is 0', async () => {
    const ws = await connected({ resendAfterMs: 0 });
    const acked = client.send('c1', 'once', { clientMsgId: 'k-0' }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ws.framesOfType('send')).toHaveLength(1);
    client.close();
    await expect(acked).resolves.toMatchObject({ code: 'CLOSED' });
  });

  it('asks for a fresh token after a 4401 close', async () => {
    const ws1 = await connected();
    ws1.drop(4401, 'token expired');
    await settle();
    expect(tokenRequests.at(-1)).toEqual({ reason: 'expired' });
    expect(latest().url).toBe(`ws://parley.test/v1/ws?access_token=token-${tokenRequests.length}`);
  });

  it('does not reconnect after 1008 and fails pending sends', async () => {
    const ws = await connected();
    const acked = client.send('c1', 'x', { clientMsgId: 'k-4' });
    await settle();
    ws.drop(1008, 'policy');
    await expect(acked).rejects.toMatchObject({ code: 'CLOSED', closeCode: 1008 });
    await settle();
    expect(FakeSocket.instances).toHaveLength(1);
    expect(client.state).toBe('closed');
  });

  it('does not reconnect after close()', async () => {
    const ws = await connected();
    const acked = client.send('c1', 'x', { clientMsgId: 'k-5' });
    client.close();
    await expect(acked).rejects.toMatchObject({ code: 'CLOSED' });
    expect(ws.closedByClient).toBe(1000);
    await settle();
    expect(FakeSocket.instances).toHaveLength(1);
  });

  it('opens no socket for an attempt that close() overtook', async () => {
    let release: (token: string) => void = () => undefined;
    make({ getToken: () => new Promise<string>((resolve) => (release = resolve)) });
    const first = client.connect();
    client.close();
    await expect(first).rejects.toMatchObject({ code: 'CLOSED' });
    release('late-token');
    await settle();
    expect(FakeSocket.instances).toHaveLength(0);
  });

  it('bounds the pending sends', async () => {
    await connected({ maxPendingSends: 2 });
    const first = client.send('c1', 'a', { clientMsgId: 'a' });
    const second = client.send('c1', 'b', { clientMsgId: 'b' });
    await expect(client.send('c1', 'c', { clientMsgId: 'c' })).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    client.close();
    await expect(first).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(second).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('rejects text that is empty or too long without sending it', async () => {
    const ws = await connected();
    await expect(client.send('c1', '')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(client.send('c1', 'x'.repeat(4001))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(ws.framesOfType('send')).toEqual([]);
  });

  it('answers ping with the matching pong', async () => {
    const ws = await connected();
    const pong = client.ping();
    const [frame] = ws.framesOfType('ping');
    ws.push({ type: 'pong', nonce: frame.nonce });
    await expect(pong).resolves.toEqual({ type: 'pong', nonce: frame.nonce });
  });
});
