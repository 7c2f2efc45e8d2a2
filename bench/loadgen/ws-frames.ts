import { randomFillSync } from 'node:crypto';

/** WebSocket opcodes (RFC 6455, section 5.2). */
export const Opcode = { CONTINUATION: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

/** Largest payload the scanner will copy out of the stream; a larger one is a protocol error. */
export const MAX_COLLECTED_PAYLOAD = 1024 * 1024;

export interface FrameEvents {
  /**
   * One complete data message (its last frame had FIN set). `payload` is a copy of its bytes when
   * the scanner was asked to collect it (see `collectUpTo`), otherwise null: cheap receivers only
   * count.
   */
  message(opcode: number, length: number, payload: Buffer | null): void;
  /** A control frame (close, ping, pong); control payloads are at most 125 bytes and always copied. */
  control(opcode: number, payload: Buffer): void;
}

/**
 * Incremental scanner of server-to-client WebSocket frames. It reads headers only and skips payload
 * bytes without touching them, unless the message is small enough to be collected: `collectUpTo`
 * bytes (Infinity for full clients, 0 or 1 for cheap receivers, which only need to recognise a
 * one-byte Engine.IO ping). Chunks may split a frame anywhere, including inside its header.
 */
export class FrameScanner {
  private readonly header = Buffer.alloc(14);
  private headerHave = 0;
  private headerNeed = 2;
  private inPayload = false;
  private remaining = 0;
  private opcode = 0;
  private fin = false;
  /** Opcode and accumulated length of the data message in progress (fragmented messages). */
  private messageOpcode = 0;
  private messageLength = 0;
  private parts: Buffer[] | null = null;
  private frameBuf: Buffer | null = null;
  private frameFill = 0;

  constructor(
    private readonly collectUpTo: number,
    private readonly events: FrameEvents,
  ) {}

  /** Feeds bytes; the chunk may be reused by the caller after this returns (it is never retained). */
  push(chunk: Buffer): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (!this.inPayload) {
        const take = Math.min(this.headerNeed - this.headerHave, n - i);
        chunk.copy(this.header, this.headerHave, i, i + take);
        this.headerHave += take;
        i += take;
        if (this.headerHave < this.headerNeed) return;
        if (this.headerNeed === 2) {
          if ((this.header[1] & 0x80) !== 0) throw new Error('protocol error: masked frame from the server');
          const len7 = this.header[1] & 0x7f;
          this.headerNeed = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
          if (this.headerNeed > 2) continue;
        }
        this.beginPayload();
        if (this.remaining === 0) this.endFrame();
        continue;
      }
      const take = Math.min(this.remaining, n - i);
      if (this.frameBuf) {
        chunk.copy(this.frameBuf, this.frameFill, i, i + take);
        this.frameFill += take;
      }
      i += take;
      this.remaining -= take;
      if (this.remaining === 0) this.endFrame();
    }
  }

  private beginPayload(): void {
    const h = this.header;
    this.fin = (h[0] & 0x80) !== 0;
    this.opcode = h[0] & 0x0f;
    const len7 = h[1] & 0x7f;
    let len: number;
    if (len7 === 126) len = h.readUInt16BE(2);
    else if (len7 === 127) {
      const big = h.readBigUInt64BE(2);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('protocol error: frame length out of range');
      len = Number(big);
    } else len = len7;
    const control = this.opcode >= 0x8;
    if (control && (len > 125 || !this.fin)) throw new Error('protocol error: bad control frame');
    if (!control) {
      if (this.opcode !== Opcode.CONTINUATION) {
        this.messageOpcode = this.opcode;
        this.messageLength = 0;
        this.parts = null;
      }
      this.messageLength += len;
    }
    const collect = control || this.messageLength <= this.collectUpTo;
    if (collect && len > MAX_COLLECTED_PAYLOAD) throw new Error(`protocol error: frame of ${len} bytes is over the collection bound`);
    this.frameBuf = collect ? Buffer.allocUnsafe(len) : null;
    this.frameFill = 0;
    this.remaining = len;
    this.inPayload = true;
  }

  private endFrame(): void {
    this.inPayload = false;
    this.headerHave = 0;
    this.headerNeed = 2;
    const buf = this.frameBuf;
    this.frameBuf = null;
    if (this.opcode >= 0x8) {
      this.events.control(this.opcode, buf ?? Buffer.alloc(0));
      return;
    }
    if (buf && this.messageLength <= this.collectUpTo) (this.parts ??= []).push(buf);
    else this.parts = null;
    if (!this.fin) return;
    const parts = this.parts;
    this.parts = null;
    const payload = parts === null ? null : parts.length === 1 ? parts[0] : Buffer.concat(parts);
    this.events.message(this.messageOpcode, this.messageLength, payload);
  }
}

/**
 * One client-to-server frame (FIN set, masked as RFC 6455 requires of clients). The mask comes from
 * the CSPRNG; frames from the load generator are few (senders, pongs), so its cost does not matter.
 */
export function encodeClientFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const headerLen = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(headerLen + 4 + len);
  out[0] = 0x80 | opcode;
  if (len < 126) out[1] = 0x80 | len;
  else if (len < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(len), 2);
  }
  const mask = out.subarray(headerLen, headerLen + 4);
  randomFillSync(mask);
  const body = headerLen + 4;
  for (let j = 0; j < len; j++) out[body + j] = payload[j] ^ mask[j & 3];
  return out;
}
