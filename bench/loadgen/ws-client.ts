import { randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';
import { encodeClientFrame, FrameScanner, Opcode } from './ws-frames';

/**
 * What the server speaks on top of WebSocket, as far as a load generator needs to know:
 * - `plain`: ready once upgraded (bare uWS: subscribed before the 101 leaves the server).
 * - `parley`: ready at the first frame (`hello`, sent after the socket's subscriptions).
 * - `engine.io`: Engine.IO v4 over the websocket transport (Socket.IO): answer the open packet with a
 *   namespace CONNECT (`40`), ready at the server's CONNECT reply; answer each ping (`2`) with a pong (`3`).
 */
export type Dialect = 'plain' | 'parley' | 'engine.io';

export interface ConnectTarget {
  host: string;
  port: number;
  /** Path and query of the upgrade request. */
  path: string;
  headers?: Record<string, string>;
  /** Source address (127.0.0.x): each gives about 28k ephemeral ports. */
  localAddress?: string;
}

export interface ClientOptions {
  dialect: Dialect;
  /** Full clients copy, decode and hand over every text message; cheap receivers only count. */
  full: boolean;
  /** Full clients: each text message after ready, with its arrival time (process.hrtime, ns). */
  onText?: (text: string, arrivedNs: bigint) => void;
  /** A connection that was ready has closed (whoever closed it). */
  onClosed?: (client: RawWsClient) => void;
  /** A text frame sent as soon as the connection is ready (a resume request in the reconnect storm). */
  greeting?: string;
  /** Cheap receivers of one worker share this read buffer (net's `onread`), so reads allocate nothing. */
  sharedReadBuffer?: Buffer;
  /**
   * A slow reader: once ready, reads at most this many bytes a second (a read of up to 1 KiB, then
   * the socket paused for as long as those bytes take at this rate), so its backlog builds up in the
   * TCP buffers and then in the server's send buffer. `unthrottle()` lifts it.
   */
  readBytesPerSecond?: number;
  readyTimeoutMs: number;
}

const MAX_HANDSHAKE_BYTES = 16 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n');
const CLOSED_BEFORE_READY = 'connection closed before ready';

/**
 * A minimal WebSocket client over a raw TCP socket, for load generation: a hand-written upgrade,
 * a frame scanner that reads headers only, pongs to pings, and counters. It is not a general
 * client: it sends only small text frames and trusts the server's 101.
 */
export class RawWsClient {
  /** Data messages received since ready (Engine.IO pings excluded), and their payload bytes. */
  messages = 0;
  bytes = 0;
  private markMessages = 0;
  private markBytes = 0;
  /** Close code from the server's close frame, 1006 when the connection dropped without one. */
  closeCode: number | null = null;
  private ready = false;
  private upgraded = false;
  private preReadyMessages = 0;
  private handshake: Buffer | null = Buffer.alloc(0);
  private readonly scanner: FrameScanner;
  private readonly socket: Socket;
  private settle: ((err?: Error) => void) | null = null;
  private throttle: number | null;
  private throttleTimer: NodeJS.Timeout | null = null;

  private constructor(
    target: ConnectTarget,
    private readonly options: ClientOptions,
  ) {
    // Cheap Engine.IO receivers still look at one-byte messages: that is how a ping is recognised.
    const collectUpTo = options.full ? Number.POSITIVE_INFINITY : options.dialect === 'engine.io' ? 1 : 0;
    this.scanner = new FrameScanner(collectUpTo, {
      message: (opcode, length, payload) => this.onMessage(opcode, length, payload),
      control: (opcode, payload) => this.onControl(opcode, payload),
    });
    const onData = (chunk: Buffer) => this.onBytes(chunk);
    this.throttle = options.readBytesPerSecond ?? null;
    const readBuffer = this.throttle !== null ? Buffer.allocUnsafe(Math.max(1, Math.min(1024, Math.floor(this.throttle)))) : options.sharedReadBuffer;
    this.socket = connect({
      host: target.host,
      port: target.port,
      localAddress: target.localAddress,
      noDelay: true,
      ...(readBuffer
        ? { onread: { buffer: readBuffer, callback: (n: number, buf: Uint8Array) => {
              onData(Buffer.from(buf.buffer, buf.byteOffset, n));
              this.afterRead(n);
              return true;
            },
          },
        }
        : {}),
    });
    if (!readBuffer) this.socket.on('data', onData);
    this.socket.once('connect', () => this.socket.write(upgradeRequest(target)));
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => {
      if (this.throttleTimer) clearTimeout(this.throttleTimer);
      this.throttleTimer = null;
      if (this.closeCode === null) this.closeCode = 1006;
      this.fail(new Error(`${CLOSED_BEFORE_READY} (${this.upgraded ? 'after the 101' : 'before any upgrade answer'})`));
      if (this.ready) this.options.onClosed?.(this);
    });
  }

  /** Opens a connection and resolves once it is ready in its dialect's sense (see Dialect). */
  static open(target: ConnectTarget, options: ClientOptions): Promise<RawWsClient> {
    return new Promise((resolve, reject) => {
      const client = new RawWsClient(target, options);
      const timer = setTimeout(() => client.fail(new Error(`not ready after ${options.readyTimeoutMs} ms`)), options.readyTimeoutMs);
      client.settle = (err) => {
        clearTimeout(timer);
        client.settle = null;
        if (err) {
          client.socket.destroy();
          reject(err);
        } else resolve(client);
      };
    });
  }

  /**
   * As `open`, trying again (up to `attempts` in all) when the server accepted the upgrade and then
   * dropped the connection before it was ready. Each retry is reported through `onRetry`, so a
   * report shows how often it happened rather than hiding it.
   */
  static async openRetrying(target: ConnectTarget, options: ClientOptions, attempts: number, onRetry: (err: Error) => void): Promise<RawWsClient> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await RawWsClient.open(target, options);
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        if (attempt >= attempts || !e.message.startsWith(CLOSED_BEFORE_READY)) throw e;
        onRetry(e);
      }
    }
  }

  get isOpen(): boolean {
    return this.ready && this.closeCode === null;
  }

  /** Starts a measurement: counts from here on are reported as deltas. */
  mark(): void {
    this.markMessages = this.messages;
    this.markBytes = this.bytes;
  }

  get messagesSinceMark(): number {
    return this.messages - this.markMessages;
  }

  get bytesSinceMark(): number {
    return this.bytes - this.markBytes;
  }

  sendText(text: string): void {
    this.socket.write(encodeClientFrame(Opcode.TEXT, Buffer.from(text, 'utf8')));
  }

  /** Reads at full speed from now on (a slow reader catching up). */
  unthrottle(): void {
    this.throttle = null;
    if (this.throttleTimer) clearTimeout(this.throttleTimer);
    this.throttleTimer = null;
    this.socket.resume();
  }

  /** A slow reader pauses after each read for as long as the bytes take at its rate. */
  private afterRead(n: number): void {
    if (this.throttle === null || !this.ready || this.throttleTimer !== null || this.socket.destroyed) return;
    this.socket.pause();
    this.throttleTimer = setTimeout(() => {
      this.throttleTimer = null;
      if (!this.socket.destroyed) this.socket.resume();
    }, Math.ceil((n / this.throttle) * 1000));
  }

  close(): void {
    if (this.throttleTimer) clearTimeout(this.throttleTimer);
    this.throttleTimer = null;
    if (this.closeCode === null) this.socket.write(encodeClientFrame(Opcode.CLOSE, Buffer.from([0x03, 0xe8])));
    this.socket.end();
    // A server that never answers the close must not keep the worker alive.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  private fail(err: Error): void {
    this.settle?.(err);
  }

  private onBytes(chunk: Buffer): void {
    if (this.handshake !== null) {
      const buf = this.handshake.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.handshake, chunk]);
      const end = buf.indexOf(HEADER_END);
      if (end < 0) {
        if (buf.length > MAX_HANDSHAKE_BYTES) return this.fail(new Error('upgrade response headers too long'));
        this.handshake = buf;
        return;
      }
      this.handshake = null;
      const statusLine = buf.subarray(0, buf.indexOf('\r\n')).toString('latin1');
      if (!/^HTTP\/1\.1 101 /.test(statusLine)) {
        const body = buf.subarray(end + 4, end + 4 + 200).toString('utf8');
        return this.fail(new Error(`upgrade refused: ${statusLine} ${body}`.trim()));
      }
      this.upgraded = true;
      if (this.options.dialect === 'plain') this.becomeReady();
      if (buf.length > end + 4) this.scan(buf.subarray(end + 4));
      return;
    }
    this.scan(chunk);
  }

  private scan(bytes: Buffer): void {
    try {
      this.scanner.push(bytes);
    } catch (err) {
      this.closeCode = 1002;
      this.fail(err instanceof Error ? err : new Error(String(err)));
      this.socket.destroy();
    }
  }

  private becomeReady(): void {
    this.ready = true;
    if (this.options.greeting !== undefined) this.sendText(this.options.greeting);
    this.settle?.();
  }

  private onMessage(opcode: number, length: number, payload: Buffer | null): void {
    if (!this.upgraded) return;
    if (!this.ready) {
      this.preReadyMessages++;
      if (this.options.dialect === 'parley') return this.becomeReady();
      if (this.options.dialect === 'engine.io') {
        if (this.preReadyMessages === 1) this.sendText('40');
        else this.becomeReady();
      }
      return;
    }
    if (this.options.dialect === 'engine.io' && length === 1 && payload !== null && payload[0] === 0x32) {
      this.sendText('3');
      return;
    }
    this.messages++;
    this.bytes += length;
    if (this.options.full && payload !== null && opcode === Opcode.TEXT) this.options.onText?.(payload.toString('utf8'), process.hrtime.bigint());
  }

  private onControl(opcode: number, payload: Buffer): void {
    if (opcode === Opcode.PING) this.socket.write(encodeClientFrame(Opcode.PONG, payload));
    else if (opcode === Opcode.CLOSE) {
      this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      this.socket.end();
    }
  }
}

function upgradeRequest(target: ConnectTarget): string {
  const lines = [
    `GET ${target.path} HTTP/1.1`,
    `Host: ${target.host}:${target.port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
  ];
  for (const [k, v] of Object.entries(target.headers ?? {})) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}
