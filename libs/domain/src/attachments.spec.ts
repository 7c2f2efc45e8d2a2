import { ATTACHMENT_TYPES, sniffContentType } from './attachments';

const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('sniffContentType', () => {
  it.each([
    ['image/png', bytes([0x89], 'PNG\r\n\x1a\n', 'rest')],
    ['image/jpeg', bytes([0xff, 0xd8, 0xff, 0xe0], 'JFIF')],
    ['image/gif', bytes('GIF89a', [1, 0])],
    ['image/webp', bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 ')],
    ['application/pdf', bytes('%PDF-1.7\n')],
    ['video/mp4', bytes([0, 0, 0, 0x18], 'ftypmp42')],
  ])('knows %s by its magic bytes', (type, head) => {
    expect(sniffContentType(head)).toBe(type);
  });

  it('accepts exactly the types it can sniff', () => {
    expect([...ATTACHMENT_TYPES].sort()).toEqual(['application/pdf', 'image/gif', 'image/jpeg', 'image/png', 'image/webp', 'video/mp4']);
  });

  it('matches nothing for text, a truncated signature, or RIFF that is not WEBP', () => {
    expect(sniffContentType(bytes('hello, world'))).toBeNull();
    expect(sniffContentType(bytes([0x89], 'PN'))).toBeNull();
    expect(sniffContentType(bytes('RIFF', [0, 0, 0, 0], 'WAVEfmt '))).toBeNull();
    expect(sniffContentType(new Uint8Array())).toBeNull();
  });
});
