import { CloseCode } from '@parley/protocol';
import { ConnectionData, newConnectionData, Socket, SocketSlot } from './connection';
import { backstopBytes, SocketWriter } from './socket-writer';

const BOUND = 64 * 1024;

/** The parts of a uWS socket the writer uses; like uWS, it throws when used after close. */
class FakeSocket {
  buffered = 0;
  readonly sent: string[] = [];
  readonly ended: Array<{ code: number; reason: string }> = [];
  bufferedReads = 0;
  private readonly data: ConnectionData = {
    ...newConnectionData({ sub: 'u1', sid: 's1', exp: Number.MAX_SAFE_INTEGER }, undefined, 0, { sendRatePerSecond: 0, signalRatePerSecond: 0 }),
    open: true,
    early: null,
  };
  private closed = false;

  getUserData(): SocketSlot {
    return { conn: this.data };
  }
  getBufferedAmount(): number {
    this.alive();
    this.bufferedReads++;
    return this.buffered;
  }
  cork(cb: () => void): this {
    this.alive();
    cb();
    return this;
  }
  send(text: string): number {
    this.alive();
    this.sent.push(text);
    this.buffered += text.length;
    return 1;
  }
  end(code: number, reason: string): void {
    this.alive();
    this.ended.push({ code, reason });
    this.closed = true;
  }
  /** As uWS's close handler would. */
  closeAbruptly(): void {
    this.data.open = false;
    this.closed = true;
  }
  asSocket(): Socket {
    return this as unknown as Socket;
  }
  private alive(): void {
    if (this.closed) throw new Error('Invalid access of closed uWS.WebSocket');
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SocketWriter', () => {
  it('puts the uWS backstop a margin of at least 1 MiB, and at least the bound, above the bound', () => {
    expect(backstopBytes(BOUND)).toBe(BOUND + 1024 * 1024);
    expect(backstopBytes(4 * 1024 * 1024)).toBe(8 * 1024 * 1024);
  });

  it('closes a socket with 4408 once a send leaves it over the bound, and only once', () => {
    const writer = new SocketWriter(BOUND);
    const ws = new FakeSocket();
    writer.send(ws.asSocket(), { type: 'pong' });
    expect(ws.ended).toEqual([]);
    ws.buffered = BOUND;
    expect(writer.enforceBound(ws.asSocket())).toBe(false);
    writer.send(ws.asSocket(), { type: 'pong' });
    expect(ws.ended).toEqual([{ code: CloseCode.SLOW_CONSUMER, reason: 'send buffer full' }]);
    expect(ws.getUserData().conn.open).toBe(false);
    expect(writer.enforceBound(ws.asSocket())).toBe(false);
    writer.send(ws.asSocket(), { type: 'pong' });
    expect(ws.sent).toHaveLength(2);
  });

  it('asks for a sweep after a topic publish, not after a direct send (which checks its own socket)', () => {
    const writer = new SocketWriter(BOUND);
    const ws = new FakeSocket();
    writer.send(ws.asSocket(), { type: 'hello' });
    expect(ws.bufferedReads).toBe(1);
    expect(writer.takeWrites()).toBe(false);
    writer.noteWrite();
    expect(writer.takeWrites()).toBe(true);
    expect(writer.takeWrites()).toBe(false);
  });

  it('checks sockets after a publish only on the next turn, when uWS has written the publish into their buffers', async () => {
    const writer = new SocketWriter(BOUND);
    const slow = new FakeSocket();
    const fine = new FakeSocket();
    writer.enforceBoundSoon([slow.asSocket(), fine.asSocket()]);
    // uWS drains its topic tree after the publishing call returns.
    slow.buffered = BOUND + 1;
    expect(slow.ended).toEqual([]);
    await nextTurn();
    expect(slow.ended).toEqual([{ code: CloseCode.SLOW_CONSUMER, reason: 'send buffer full' }]);
    expect(fine.ended).toEqual([]);
  });

  it('checks each socket once per turn however many publishes reached it, and skips sockets closed meanwhile', async () => {
    const writer = new SocketWriter(BOUND);
    const a = new FakeSocket();
    const gone = new FakeSocket();
    for (let i = 0; i < 5; i++) writer.enforceBoundSoon([a.asSocket(), gone.asSocket()]);
    gone.closeAbruptly();
    await nextTurn();
    expect(a.bufferedReads).toBe(1);
    expect(gone.bufferedReads).toBe(0);

    // A later turn schedules a new check.
    a.buffered = BOUND + 1;
    writer.enforceBoundSoon([a.asSocket()]);
    await nextTurn();
    expect(a.ended).toHaveLength(1);
  });
});
