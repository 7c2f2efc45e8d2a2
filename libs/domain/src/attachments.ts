/**
 * Attachments (docs/adr/0011-attachments.md): a file a member uploads to a conversation, then
 * references from a message. The server knows a file's type only from its first bytes, never
 * from what the client declared.
 */

/** An attachment as a stored message carries it (resolved and checked at send time). */
export interface Attachment {
  id: string;
  /** The type sniffed from the file's magic bytes. */
  content_type: string;
  size: number;
  /** True when a thumbnail was made (images). */
  thumbnail: boolean;
}

/** At most this many attachments on one message. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;

/** Bytes read from the start of a file to sniff its type. */
export const SNIFF_BYTES = 16;

interface Signature {
  type: string;
  /** Byte values at an offset; null matches any byte. */
  at: number;
  bytes: ReadonlyArray<number | null>;
  /** A second signature that must match too (e.g. WEBP inside RIFF). */
  and?: { at: number; bytes: ReadonlyArray<number> };
}

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** The types Parley accepts, each with its magic bytes. */
const SIGNATURES: readonly Signature[] = [
  { type: 'image/png', at: 0, bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: 'image/jpeg', at: 0, bytes: [0xff, 0xd8, 0xff] },
  { type: 'image/gif', at: 0, bytes: ascii('GIF8') },
  { type: 'image/webp', at: 0, bytes: ascii('RIFF'), and: { at: 8, bytes: ascii('WEBP') } },
  { type: 'application/pdf', at: 0, bytes: ascii('%PDF-') },
  { type: 'video/mp4', at: 4, bytes: ascii('ftyp') },
];

/** Every content type an upload may declare (and a file may be sniffed as). */
export const ATTACHMENT_TYPES: readonly string[] = SIGNATURES.map((s) => s.type);

/** Types a thumbnail is made for. */
export const THUMBNAIL_TYPES: readonly string[] = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

const matches = (head: Uint8Array, at: number, bytes: ReadonlyArray<number | null>) =>
  head.length >= at + bytes.length && bytes.every((b, i) => b === null || head[at + i] === b);

/** The type a file's first bytes show, or null when they match none Parley accepts. */
export function sniffContentType(head: Uint8Array): string | null {
  for (const s of SIGNATURES) {
    if (matches(head, s.at, s.bytes) && (!s.and || matches(head, s.and.at, s.and.bytes))) return s.type;
  }
  return null;
}
