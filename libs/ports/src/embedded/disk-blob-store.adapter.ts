import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createWriteStream, WriteStream } from 'node:fs';
import { copyFile, mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BlobStore, isSafeBlobKey, SignedRequest } from '../blob-store.port';

/** No such file (or a path through a file: a key can never name one, but a lookup must not fail on it). */
const isMissing = (e: unknown) => ['ENOENT', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '');

/** The path prefix under which the gateway serves the disk store's signed URLs. */
export const FILES_PATH = '/v1/files/';

/** What a valid signed URL grants. */
export type FileGrant = { op: 'put'; key: string; size: number; contentType: string } | { op: 'get'; key: string; contentType: string };

/** An upload being written: a temporary file renamed into place by commit(). */
export interface UploadFile {
  stream: WriteStream;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/**
 * Standalone's blob store: files under a directory (the data dir's `attachments/`), reached through
 * gateway URLs signed with HMAC-SHA256 over the operation, key, expiry, size and type, compared in
 * constant time. Keys are checked (isSafeBlobKey) before any path is built from them.
 */
export class DiskBlobStore implements BlobStore {
  constructor(
    private readonly dir: string,
    private readonly signingKey: Buffer,
    private readonly now: () => number = Date.now,
  ) {
    if (signingKey.length < 32) throw new Error('the attachment signing key must have at least 32 bytes');
  }

  /** The signing key kept in `file` (created with 32 random bytes, mode 0600, when missing). */
  static async keyFrom(file: string): Promise<Buffer> {
    try {
      return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      const key = randomBytes(32);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, key.toString('base64url'), { mode: 0o600, flag: 'wx' }).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
      return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url');
    }
  }

  async signUpload(key: string, contentType: string, size: number, ttlSeconds: number): Promise<SignedRequest> {
    return this.sign('put', key, ttlSeconds, size, contentType);
  }

  async signDownload(key: string, contentType: string, ttlSeconds: number): Promise<SignedRequest> {
    return this.sign('get', key, ttlSeconds, 0, contentType);
  }

  /** What a request for `path` (after FILES_PATH) with `query` may do, or null (bad, forged or expired). */
  verify(method: string, keyPath: string, query: URLSearchParams): FileGrant | null {
    const op = method === 'PUT' ? 'put' : method === 'GET' ? 'get' : null;
    const exp = Number(query.get('exp'));
    const size = op === 'put' ? Number(query.get('size')) : 0;
    const contentType = query.get('type') ?? '';
    const sig = query.get('sig') ?? '';
    if (!op || query.get('op') !== op || !isSafeBlobKey(keyPath) || !Number.isSafeInteger(exp) || !Number.isSafeInteger(size) || size < 0) return null;
    if (!/^[a-z]+\/[a-z0-9.+-]+$/.test(contentType) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return null;
    const expected = this.mac(op, keyPath, exp, size, contentType);
    const given = Buffer.from(sig, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    if (exp * 1000 < this.now()) return null;
    return op === 'put' ? { op, key: keyPath, size, contentType } : { op, key: keyPath, contentType };
  }

  /** The file of a key (for streaming a download); the key must be safe. */
  pathOf(key: string): string {
    if (!isSafeBlobKey(key)) throw new Error('unsafe blob key');
    return join(this.dir, ...key.split('/'));
  }

  /** Starts writing an upload to a temporary file next to its final place. */
  async beginUpload(key: string): Promise<UploadFile> {
    const final = this.pathOf(key);
    await mkdir(dirname(final), { recursive: true });
    const temp = `${final}.part-${randomBytes(8).toString('hex')}`;
    const stream = createWriteStream(temp, { flags: 'wx', mode: 0o600 });
    const closed = () => new Promise<void>((resolve, reject) => {
      if (stream.closed) return resolve();
      stream.once('close', () => resolve());
      stream.once('error', reject);
    });
    return {
      stream,
      commit: async () => {
        stream.end();
        await closed();
        await rename(temp, final);
      },
      discard: async () => {
        stream.destroy();
        await closed().catch(() => undefined);
        await unlink(temp).catch(() => undefined);
      },
    };
  }

  async size(key: string): Promise<number | null> {
    try {
      return (await stat(this.pathOf(key))).size;
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  async read(key: string, maxBytes: number): Promise<Buffer | null> {
    let fh;
    try {
      fh = await open(this.pathOf(key), 'r');
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
    try {
      const buf = Buffer.alloc(Math.min(maxBytes, (await fh.stat()).size));
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const final = this.pathOf(key);
    await mkdir(dirname(final), { recursive: true });
    const temp = `${final}.part-${randomBytes(8).toString('hex')}`;
    await writeFile(temp, bytes, { mode: 0o600 });
    await rename(temp, final);
  }

  async copy(from: string, to: string): Promise<void> {
    const target = this.pathOf(to);
    await mkdir(dirname(target), { recursive: true });
    const temp = `${target}.part-${randomBytes(8).toString('hex')}`;
    await copyFile(this.pathOf(from), temp);
    await rename(temp, target);
  }

  async healthy(): Promise<boolean> {
    await mkdir(this.dir, { recursive: true });
    return true;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private sign(op: 'put' | 'get', key: string, ttlSeconds: number, size: number, contentType: string): SignedRequest {
    if (!isSafeBlobKey(key)) throw new Error('unsafe blob key');
    const exp = Math.floor(this.now() / 1000) + ttlSeconds;
    const sig = this.mac(op, key, exp, size, contentType).toString('base64url');
    const q = new URLSearchParams({ op, exp: String(exp), ...(op === 'put' ? { size: String(size) } : {}), type: contentType, sig });
    return {
      method: op === 'put' ? 'PUT' : 'GET',
      url: `${FILES_PATH}${key}?${q.toString()}`,
      headers: op === 'put' ? { 'content-type': contentType } : {},
      expires_at: new Date(exp * 1000).toISOString(),
    };
  }

  private mac(op: string, key: string, exp: number, size: number, contentType: string): Buffer {
    return createHmac('sha256', this.signingKey).update(`parley-file-v1\n${op}\n${key}\n${exp}\n${size}\n${contentType}`).digest();
  }
}
