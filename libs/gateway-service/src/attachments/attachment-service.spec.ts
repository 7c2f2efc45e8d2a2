import { DomainError } from '@parley/domain';
import { BlobStore, SignedRequest } from '@parley/ports';
import { AttachmentService } from './attachment-service';

/** An in-memory blob store (unit tests only; the real ones have their own suites). */
class MemoryBlobs implements BlobStore {
  readonly files = new Map<string, Buffer>();
  signUpload(key: string): Promise<SignedRequest> {
    return Promise.resolve({ method: 'PUT', url: `/up/${key}`, headers: {}, expires_at: '' });
  }
  signDownload(key: string): Promise<SignedRequest> {
    return Promise.resolve({ method: 'GET', url: `/down/${key}`, headers: {}, expires_at: '' });
  }
  size(key: string) {
    return Promise.resolve(this.files.get(key)?.length ?? null);
  }
  read(key: string, max: number) {
    return Promise.resolve(this.files.get(key)?.subarray(0, max) ?? null);
  }
  put(key: string, bytes: Buffer) {
    this.files.set(key, Buffer.from(bytes));
    return Promise.resolve();
  }
  copy(from: string, to: string) {
    this.files.set(to, Buffer.from(this.files.get(from) ?? Buffer.alloc(0)));
    return Promise.resolve();
  }
  healthy() {
    return Promise.resolve(true);
  }
  close() {
    return Promise.resolve();
  }
}

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(40, 1)]);
const LIMITS = { maxBytes: 1000, uploadTtlSeconds: 60, downloadTtlSeconds: 60 };

describe('AttachmentService', () => {
  let blobs: MemoryBlobs;
  let thumbs: number;
  let service: AttachmentService;
  beforeEach(() => {
    blobs = new MemoryBlobs();
    thumbs = 0;
    service = new AttachmentService(blobs, LIMITS, (b) => {
      thumbs++;
      return b.length > 0 ? Promise.resolve(Buffer.from('thumb')) : Promise.reject(new Error('bad image'));
    });
  });

  const upload = async (user: string, type: string, bytes: Buffer, declared = bytes.length) => {
    const { attachment, upload: req } = await service.createUpload(user, 'c1', type, declared);
    blobs.files.set(req.url.slice('/up/'.length), bytes);
    return attachment.id;
  };
  const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof DomainError ? e.code : String(e)));

  it('checks an upload once, describes it with the sniffed type, and makes one thumbnail', async () => {
    const id = await upload('alice', 'image/png', PNG);
    const body = await service.bodyFor('alice', 'c1', { text: 'hi', attachments: [{ id }, { id }] });
    expect(body).toEqual({ text: 'hi', attachments: [{ id, content_type: 'image/png', size: PNG.length, thumbnail: true }] });
    expect(blobs.files.get(`thumbs/c1/${id}`)?.toString()).toBe('thumb');
    await service.bodyFor('alice', 'c1', { text: 'again', attachments: [{ id }] });
    expect(thumbs).toBe(1);
    const urls = await service.download('c1', id);
    expect(urls.download.url).toBe(`/down/files/c1/${id}`);
    expect(urls.thumbnail?.url).toBe(`/down/thumbs/c1/${id}`);
  });

  it('refuses types it does not accept, and sizes over the limit, before any URL', async () => {
    expect(await code(service.createUpload('alice', 'c1', 'text/html', 10))).toBe('VALIDATION_FAILED');
    expect(await code(service.createUpload('alice', 'c1', 'image/png', 1001))).toBe('PAYLOAD_TOO_LARGE');
    expect(blobs.files.size).toBe(0);
  });

  it('refuses another sender, another conversation, a missing upload, a wrong size and wrong magic bytes', async () => {
    const id = await upload('alice', 'image/png', PNG);
    expect(await code(service.bodyFor('bob', 'c1', { text: 'x', attachments: [{ id }] }))).toBe('VALIDATION_FAILED');
    expect(await code(service.bodyFor('alice', 'c2', { text: 'x', attachments: [{ id }] }))).toBe('VALIDATION_FAILED');
    const { attachment } = await service.createUpload('alice', 'c1', 'image/png', 10);
    expect(await code(service.bodyFor('alice', 'c1', { text: 'x', attachments: [{ id: attachment.id }] }))).toBe('VALIDATION_FAILED');
    const short = await upload('alice', 'image/png', PNG, PNG.length + 1);
    expect(await code(service.bodyFor('alice', 'c1', { text: 'x', attachments: [{ id: short }] }))).toBe('VALIDATION_FAILED');
    const fake = await upload('alice', 'image/png', Buffer.from('%PDF-1.4 not a png'));
    await expect(service.bodyFor('alice', 'c1', { text: 'x', attachments: [{ id: fake }] })).rejects.toThrow(/is not image\/png \(its bytes are application\/pdf\)/);
    expect(await code(service.download('c1', fake))).toBe('NOT_FOUND');
    expect(await code(service.download('c1', '../etc'))).toBe('NOT_FOUND');
  });

  it('refuses a file that grew past the limit after its URL was issued', async () => {
    const id = await upload('alice', 'application/pdf', Buffer.concat([Buffer.from('%PDF-'), Buffer.alloc(1200)]), 100);
    expect(await code(service.bodyFor('alice', 'c1', { text: 'x', attachments: [{ id }] }))).toBe('PAYLOAD_TOO_LARGE');
  });

  it('passes a body without attachments through untouched', async () => {
    expect(await service.bodyFor('alice', 'c1', { text: 'plain' })).toEqual({ text: 'plain' });
  });
});
