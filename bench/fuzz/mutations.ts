/** Mutations of valid client frames, for the WebSocket fuzz (bench/fuzz/ws-fuzz.ts). */

type Random = () => number;

export interface FuzzFrame {
  data: string | Buffer;
  binary: boolean;
}

/** Valid frames of every type, aimed at the control conversation (the fuzzers are its members). */
export function seedFrames(conversationId: string): Array<Record<string, unknown>> {
  return [
    { type: 'send', conversation_id: conversationId, client_msg_id: 'fuzz', body: { text: 'hello' } },
    { type: 'sync', conversation_id: conversationId, after_seq: 0, limit: 5 },
    { type: 'typing', conversation_id: conversationId, state: 'start' },
    { type: 'read', conversation_id: conversationId, seq: 1 },
    { type: 'ping', nonce: 'n' },
  ];
}

const STRANGE_VALUES: unknown[] = [
  null, true, -1, 0, 1.5, 2 ** 53, -(2 ** 63), 1e308, '', '\u0000', '\uD800', '\uDFFF\uD800', 'x'.repeat(5000), '🦄'.repeat(4001),
  [], {}, [[[[[]]]]], { text: 1 }, 'send', 'sync', '__proto__', { __proto__: { polluted: true } },
];

const pick = <T>(list: readonly T[], random: Random): T => list[Math.floor(random() * list.length)];

/** One mutated frame: a changed field, a flipped byte, a truncation, a wrong type, raw bytes, or a huge frame. */
export function mutate(seed: Record<string, unknown>, random: Random): FuzzFrame {
  const r = random();
  const frame: Record<string, unknown> = structuredClone(seed);
  if (r < 0.3) {
    const keys = [...Object.keys(frame), 'body', 'extra', 'limit', 'nonce'];
    frame[pick(keys, random)] = pick(STRANGE_VALUES, random);
    if (frame.type === 'send' && random() < 0.5) frame.client_msg_id = `fuzz-${Math.floor(random() * 1e9)}`;
    return { data: JSON.stringify(frame), binary: false };
  }
  const text = JSON.stringify(frame);
  if (r < 0.5) {
    const bytes = Buffer.from(text);
    for (let i = 0, n = 1 + Math.floor(random() * 4); i < n; i++) bytes[Math.floor(random() * bytes.length)] ^= 1 << Math.floor(random() * 8);
    return { data: bytes.toString('latin1'), binary: false };
  }
  if (r < 0.65) return { data: text.slice(0, Math.floor(random() * text.length)), binary: false };
  if (r < 0.75) return { data: JSON.stringify({ ...frame, type: pick(['SEND', 'send ', 'hello', 'ack', '', 42, null], random) }), binary: false };
  if (r < 0.85) return { data: Buffer.from(Array.from({ length: 1 + Math.floor(random() * 64) }, () => Math.floor(random() * 256))), binary: true };
  if (r < 0.9) return { data: `${'['.repeat(2000)}${']'.repeat(2000)}`, binary: false };
  if (r < 0.92) return { data: JSON.stringify({ ...frame, body: { text: 'y'.repeat(70_000) } }), binary: false };
  return { data: text, binary: false };
}
