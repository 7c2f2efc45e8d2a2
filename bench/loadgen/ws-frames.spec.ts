import { encodeClientFrame, FrameScanner, Opcode } from './ws-frames';

/** A server frame (unmasked), as a server would write it. */
function serverFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([(fin ? 0x80 : 0) | opcode, len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (len >= 126) {
    head[0] = (fin ? 0x80 : 0) | opcode;
    if (len < 65536) {
      head[1] = 126;
      head.writeUInt16BE(len, 2);
    } else {
      head[1] = 127;
      head.writeBigUInt64BE(BigInt(len), 2);
    }
  }
  return Buffer.concat([head, payload]);
}

function collector(collectUpTo: number) {
  const messages: { opcode: number; length: number; text: string | null }[] = [];
  const controls: { opcode: number; payload: string }[] = [];
  const scanner = new FrameScanner(collectUpTo, {
    message: (opcode, length, payload) => messages.push({ opcode, length, text: payload ? payload.toString('utf8') : null }),
    control: (opcode, payload) => controls.push({ opcode, payload: payload.toString('utf8') }),
  });
  return { scanner, messages, controls };
}

describe('FrameScanner', () => {
  const stream = Buffer.concat([
    serverFrame(Opcode.TEXT, Buffer.from('{"type":"hello"}')),
    serverFrame(Opcode.PING, Buffer.from('pi')),
    serverFrame(Opcode.TEXT, Buffer.alloc(300, 'a')),
    serverFrame(Opcode.BINARY, Buffer.alloc(70_000, 'b')),
    serverFrame(Opcode.TEXT, Buffer.from('2')),
  ]);

  it('finds every frame whatever the chunking, down to one byte at a time', () => {
    for (const size of [1, 2, 3, 7, 13, 100, stream.length]) {
      const { scanner, messages, controls } = collector(Number.POSITIVE_INFINITY);
      for (let i = 0; i < stream.length; i += size) scanner.push(stream.subarray(i, i + size));
      expect(messages.map((m) => [m.opcode, m.length])).toEqual([
        [Opcode.TEXT, 16],
        [Opcode.TEXT, 300],
        [Opcode.BINARY, 70_000],
        [Opcode.TEXT, 1],
      ]);
      expect(messages[0].text).toBe('{"type":"hello"}');
      expect(messages[1].text).toBe('a'.repeat(300));
      expect(controls).toEqual([{ opcode: Opcode.PING, payload: 'pi' }]);
    }
  });

  it('counts without copying payloads above the collection bound, yet still hands over small ones and control frames', () => {
    const { scanner, messages, controls } = collector(1);
    scanner.push(stream);
    expect(messages.map((m) => m.text)).toEqual([null, null, null, '2']);
    expect(messages.map((m) => m.length)).toEqual([16, 300, 70_000, 1]);
    expect(controls).toHaveLength(1);
  });

  it('joins a fragmented message and lets a control frame interleave', () => {
    const { scanner, messages, controls } = collector(Number.POSITIVE_INFINITY);
    scanner.push(
      Buffer.concat([
        serverFrame(Opcode.TEXT, Buffer.from('hel'), false),
        serverFrame(Opcode.PING, Buffer.alloc(0)),
        serverFrame(Opcode.CONTINUATION, Buffer.from('lo'), true),
      ]),
    );
    expect(messages).toEqual([{ opcode: Opcode.TEXT, length: 5, text: 'hello' }]);
    expect(controls).toEqual([{ opcode: Opcode.PING, payload: '' }]);
  });

  it('does not keep a chunk the caller reuses', () => {
    const { scanner, messages } = collector(Number.POSITIVE_INFINITY);
    const frame = serverFrame(Opcode.TEXT, Buffer.from('abcdef'));
    const shared = Buffer.from(frame);
    scanner.push(shared.subarray(0, 5));
    shared.fill(0x7a, 0, 5);
    shared.set(frame.subarray(5), 5);
    scanner.push(shared.subarray(5));
    expect(messages[0].text).toBe('abcdef');
  });

  it('rejects a masked server frame and an oversized control frame', () => {
    expect(() => collector(0).scanner.push(Buffer.from([0x81, 0x81, 1, 2, 3, 4, 5]))).toThrow(/masked/);
    expect(() => collector(0).scanner.push(Buffer.from([0x89, 126, 0, 200]))).toThrow(/control/);
  });
});

describe('encodeClientFrame', () => {
  it('writes a masked frame that unmasks to the payload, for each length encoding', () => {
    for (const len of [0, 5, 125, 126, 65_535, 65_536]) {
      const payload = Buffer.alloc(len, 'q');
      const f = encodeClientFrame(Opcode.TEXT, payload);
      expect(f[0]).toBe(0x81);
      expect(f[1] & 0x80).toBe(0x80);
      const len7 = f[1] & 0x7f;
      const headerLen = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
      const declared = len7 === 126 ? f.readUInt16BE(2) : len7 === 127 ? Number(f.readBigUInt64BE(2)) : len7;
      expect(declared).toBe(len);
      const mask = f.subarray(headerLen, headerLen + 4);
      const body = Buffer.from(f.subarray(headerLen + 4));
      for (let i = 0; i < body.length; i++) body[i] ^= mask[i & 3];
      expect(body.equals(payload)).toBe(true);
    }
  });
});
