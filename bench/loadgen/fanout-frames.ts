import { Dialect } from './ws-client';

/** What a full client learns from one fan-out frame: its place in the stream and when it was sent. */
export interface FanoutSample {
  seq: number;
  /** The sender's process.hrtime.bigint() at send, carried in the text as `t=<ns>`. */
  sentNs: bigint;
}

const SENT_AT = /\bt=(\d{1,20})\b/;

/** The text of a fan-out message: the send time first, padded to about `length` characters. */
export function stampedText(sentNs: bigint, length: number): string {
  const head = `t=${sentNs} `;
  return head.length >= length ? head : head + 'x'.repeat(length - head.length);
}

/**
 * Decodes a frame received by a full client into a fan-out sample, or null when the frame is not a
 * fan-out message (a hello, an ack, a ping). Full clients parse every frame, as a real client would.
 */
export function decodeFanoutFrame(dialect: Dialect, frame: string): FanoutSample | null {
  let seq: unknown;
  let text: unknown;
  if (dialect === 'engine.io') {
    // Socket.IO EVENT packet on the default namespace: 42["message",{...}]
    if (!frame.startsWith('42')) return null;
    const packet: unknown = JSON.parse(frame.slice(2));
    if (!Array.isArray(packet) || packet[0] !== 'message' || typeof packet[1] !== 'object' || packet[1] === null) return null;
    const m = packet[1] as Record<string, unknown>;
    seq = m.seq;
    text = m.text;
  } else {
    const m: unknown = JSON.parse(frame);
    if (typeof m !== 'object' || m === null || (m as Record<string, unknown>).type !== 'message') return null;
    const rec = m as Record<string, unknown>;
    seq = rec.seq;
    const body = rec.body;
    text = dialect === 'parley' ? (typeof body === 'object' && body !== null ? (body as Record<string, unknown>).text : undefined) : rec.text;
  }
  if (typeof seq !== 'number' || typeof text !== 'string') return null;
  const t = SENT_AT.exec(text);
  return t ? { seq, sentNs: BigInt(t[1]) } : null;
}
