import { ClientFrame, ServerFrame } from '@parley/protocol';
import { ParleyCalls } from './calls';
import { ParleyClient } from './parley-client';
import { WebSocketLike } from './websocket-like';

/** The server's side of one socket, played by the test. */
class FakeSocket implements WebSocketLike {
  static last: FakeSocket | null = null;
  readyState = 0;
  readonly sent: ClientFrame[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.last = this;
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data) as ClientFrame);
  }

  close(): void {
    this.readyState = 3;
  }

  push(frame: ServerFrame | Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

async function connected(): Promise<{ client: ParleyClient; ws: FakeSocket }> {
  const client = new ParleyClient({ wsUrl: 'ws://parley.test/v1/ws', getToken: () => 't', WebSocketImpl: FakeSocket, reconnect: { initialMs: 0, maxMs: 0, jitter: 0 } });
  const hello = client.connect();
  await new Promise((r) => setTimeout(r, 0));
  const ws = FakeSocket.last as FakeSocket;
  ws.readyState = 1;
  ws.onopen?.({});
  ws.push({ type: 'hello', user_id: 'a', session_id: 's', heartbeat_ms: 0 });
  await hello;
  return { client, ws };
}

describe('ParleyCalls', () => {
  it('an invite resolves with its call.ringing; relays and call events reach the client', async () => {
    const { client, ws } = await connected();
    const calls = new ParleyCalls(client, 1000);
    const events: string[] = [];
    client.on('call', (f) => events.push(f.type));
    const ringing = calls.invite('c1', 'video');
    expect(ws.sent.at(-1)).toEqual({ type: 'call.invite', conversation_id: 'c1', media: 'video' });
    ws.push({ type: 'call.ringing', call_id: 'k', conversation_id: 'c1', media: 'video', callee_ids: ['b'], busy_ids: [] });
    await expect(ringing).resolves.toMatchObject({ call_id: 'k' });

    calls.ice('k', 'b', { candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0 });
    expect(ws.sent.at(-1)).toEqual({ type: 'call.ice', call_id: 'k', to_user_id: 'b', candidate: { candidate: 'candidate:1', sdp_mid: '0', sdp_m_line_index: 0 } });
    ws.push({ type: 'call.sdp', call_id: 'k', from_user_id: 'b', sdp_type: 'answer', sdp: 'v=0' });
    ws.push({ type: 'call.ended', call_id: 'k', conversation_id: 'c1', reason: 'completed', duration_ms: 5 });
    expect(events).toEqual(['call.ringing', 'call.sdp', 'call.ended']);
    client.close();
  });

  it('a refused invite rejects with the server’s code; a malformed call frame is a protocol error', async () => {
    const { client, ws } = await connected();
    const errors: string[] = [];
    client.on('error', (e) => errors.push(e.code));
    const invite = new ParleyCalls(client, 1000).invite('c2', 'audio');
    ws.push({ type: 'error', code: 'NOT_FOUND', message: 'conversation not found', conversation_id: 'c2' });
    await expect(invite).rejects.toMatchObject({ code: 'NOT_FOUND' });
    ws.push({ type: 'call.ended', call_id: 'k' });
    expect(errors).toEqual(['PROTOCOL_ERROR']);
    client.close();
  });
});
