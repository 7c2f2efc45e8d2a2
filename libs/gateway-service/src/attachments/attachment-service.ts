import { randomUUID } from 'node:crypto';
import { Attachment, ATTACHMENT_TYPES, DomainError, MAX_ATTACHMENTS_PER_MESSAGE, MessageBody, SNIFF_BYTES, sniffContentType, THUMBNAIL_TYPES } from '@parley/domain';
import { BlobStore, isSafeBlobKey, SignedRequest } from '@parley/ports';

export interface AttachmentLimits {
  /** Largest file accepted (declared at upload, enforced by the upload URL and checked at send). */
  maxBytes: number;
  uploadTtlSeconds: number;
  downloadTtlSeconds: number;
}

/** Makes a thumbnail (image/webp) of an image's bytes; throws when they do not decode. */
export type Thumbnailer = (bytes: Buffer) => Promise<Buffer>;

/** What the gateway records when it hands out an upload URL. */
interface UploadRecord {
  id: string;
  conversation_id: string;
  uploader_id: string;
  content_type: string;
  size: number;
  created_at: string;
}

const keys = (conversationId: string, id: string) => ({
  record: `meta/${conversationId}/${id}.json`,
  verified: `meta/${conversationId}/${id}.sent.json`,
  upload: `uploads/${conversationId}/${id}`,
  file: `files/${conversationId}/${id}`,
  thumb: `thumbs/${conversationId}/${id}`,
});

const invalid = (message: string) => new DomainError('VALIDATION_FAILED', message);

/**
 * Attachments (docs/adr/0011-attachments.md). Every method is called for a member of the
 * conversation (the routes check membership first). An upload is recorded, then checked once when
 * a message first references it: the uploader, the conversation, the size, the type sniffed from
 * the bytes; the checked bytes are copied out of the client's reach and an image gets a thumbnail.
 * Only checked attachments can be downloaded.
 */
export class AttachmentService {
  private thumbnailing = Promise.resolve();

  constructor(
    private readonly store: BlobStore,
    private readonly limits: AttachmentLimits,
    private readonly thumbnail: Thumbnailer,
  ) {}

  async createUpload(userId: string, conversationId: string, contentType: string, size: number): Promise<{ attachment: { id: string; content_type: string; size: number }; upload: SignedRequest }> {
    if (!ATTACHMENT_TYPES.includes(contentType)) throw invalid(`content_type must be one of ${ATTACHMENT_TYPES.join(', ')}`);
    if (size > this.limits.maxBytes) throw new DomainError('PAYLOAD_TOO_LARGE', `attachments are at most ${this.limits.maxBytes} bytes`);
    const id = randomUUID();
    const k = this.keysOf(conversationId, id);
    const record: UploadRecord = { id, conversation_id: conversationId, uploader_id: userId, content_type: contentType, size, created_at: new Date().toISOString() };
    await this.store.put(k.record, Buffer.from(JSON.stringify(record)), 'application/json');
    const upload = await this.store.signUpload(k.upload, contentType, size, this.limits.uploadTtlSeconds);
    return { attachment: { id, content_type: contentType, size }, upload };
  }

  /** The body to publish: each referenced attachment checked and described (the sender's own uploads only). */
  async bodyFor(senderId: string, conversationId: string, body: { text: string; attachments?: Array<{ id: string }> }): Promise<MessageBody> {
    const refs = body.attachments ?? [];
    if (refs.length === 0) return { text: body.text };
    if (refs.length > MAX_ATTACHMENTS_PER_MESSAGE) throw invalid(`at most ${MAX_ATTACHMENTS_PER_MESSAGE} attachments per message`);
    const ids = [...new Set(refs.map((r) => r.id))];
    const attachments: Attachment[] = [];
    for (const id of ids) attachments.push(await this.verify(senderId, conversationId, id));
    return { text: body.text, attachments };
  }

  /** A download URL of a checked attachment (and of its thumbnail); NOT_FOUND for anything else. */
  async download(conversationId: string, id: string): Promise<{ attachment: Attachment; download: SignedRequest; thumbnail: SignedRequest | null }> {
    const k = this.keysOf(conversationId, id, 'NOT_FOUND');
    const attachment = await this.readJson<Attachment>(k.verified);
    if (!attachment) throw new DomainError('NOT_FOUND', 'attachment not found');
    const ttl = this.limits.downloadTtlSeconds;
    const download = await this.store.signDownload(k.file, attachment.content_type, ttl);
    const thumbnail = attachment.thumbnail ? await this.store.signDownload(k.thumb, 'image/webp', ttl) : null;
    return { attachment, download, thumbnail };
  }

  private async verify(senderId: string, conversationId: string, id: string): Promise<Attachment> {
    const k = this.keysOf(conversationId, id);
    const record = await this.readJson<UploadRecord>(k.record);
    // Someone else's upload, or one for another conversation, looks exactly like an unknown id.
    if (!record || record.uploader_id !== senderId || record.conversation_id !== conversationId) throw invalid(`attachment ${id} not found`);
    const done = await this.readJson<Attachment>(k.verified);
    if (done) return done;
    const size = await this.store.size(k.upload);
    if (size === null) throw invalid(`attachment ${id} has not been uploaded`);
    if (size > this.limits.maxBytes) throw new DomainError('PAYLOAD_TOO_LARGE', `attachment ${id} is over ${this.limits.maxBytes} bytes`);
    if (size !== record.size) throw invalid(`attachment ${id} is ${size} bytes, not the ${record.size} declared`);
    // The checks below read the copy: an upload URL still valid cannot change the bytes afterwards.
    await this.store.copy(k.upload, k.file);
    const sniffed = sniffContentType((await this.store.read(k.file, SNIFF_BYTES)) ?? Buffer.alloc(0));
    if (sniffed !== record.content_type) throw invalid(`attachment ${id} is not ${record.content_type} (its bytes ${sniffed ? `are ${sniffed}` : 'match no accepted type'})`);
    let thumbnail = false;
    if (THUMBNAIL_TYPES.includes(sniffed)) {
      const bytes = (await this.store.read(k.file, this.limits.maxBytes)) ?? Buffer.alloc(0);
      await this.store.put(k.thumb, await this.oneAtATime(() => this.thumbnailOf(id, bytes)), 'image/webp');
      thumbnail = true;
    }
    const attachment: Attachment = { id, content_type: sniffed, size, thumbnail };
    await this.store.put(k.verified, Buffer.from(JSON.stringify(attachment)), 'application/json');
    return attachment;
  }

  private async thumbnailOf(id: string, bytes: Buffer): Promise<Buffer> {
    try {
      return await this.thumbnail(bytes);
    } catch {
      throw invalid(`attachment ${id} is not a readable image`);
    }
  }

  /** Thumbnails are made one at a time per gateway (CPU and memory bound). */
  private oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.thumbnailing.then(fn);
    this.thumbnailing = run.then(() => undefined, () => undefined);
    return run;
  }

  private keysOf(conversationId: string, id: string, code: 'VALIDATION_FAILED' | 'NOT_FOUND' = 'VALIDATION_FAILED') {
    const k = keys(conversationId, id);
    if (!isSafeBlobKey(k.upload)) throw new DomainError(code, code === 'NOT_FOUND' ? 'attachment not found' : `attachment ${id} not found`);
    return k;
  }

  private async readJson<T>(key: string): Promise<T | null> {
    const raw = await this.store.read(key, 64 * 1024);
    return raw ? (JSON.parse(raw.toString('utf8')) as T) : null;
  }
}
