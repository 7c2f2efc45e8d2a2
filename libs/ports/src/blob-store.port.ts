import { DomainError } from '@parley/domain';

/**
 * Where attachment bytes live (docs/adr/0011-attachments.md): standalone's files on local disk
 * behind URLs the gateway signs and serves (embedded/disk-blob-store.adapter.ts), the mesh's S3
 * bucket behind presigned URLs (libs/adapters/src/s3). Clients move bytes straight to and from
 * the store; the gateway only signs, checks and copies.
 */

/** A request a client makes itself: the method, the URL and the headers it must send. */
export interface SignedRequest {
  method: 'PUT' | 'GET';
  /** Absolute for S3; for the disk store a path on the gateway (`/v1/files/...`). */
  url: string;
  headers: Record<string, string>;
  expires_at: string;
}

export interface BlobStore {
  /** A URL to PUT exactly `size` bytes of `contentType` to `key`, valid for `ttlSeconds`. */
  signUpload(key: string, contentType: string, size: number, ttlSeconds: number): Promise<SignedRequest>;
  /** A URL to GET `key`, served as `contentType` (as a download), valid for `ttlSeconds`. */
  signDownload(key: string, contentType: string, ttlSeconds: number): Promise<SignedRequest>;
  /** The stored size of `key`, or null when there is no such object. */
  size(key: string): Promise<number | null>;
  /** The first `maxBytes` bytes of `key` (all of it when shorter), or null when there is none. */
  read(key: string, maxBytes: number): Promise<Buffer | null>;
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  /** Copies `from` to `to` (a later upload to `from` leaves `to` as it was). */
  copy(from: string, to: string): Promise<void>;
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

export const BLOB_STORE = Symbol('BlobStore');

/** No file store configured: every attachment request is a 503 (everything else keeps working). */
export class DisabledBlobStore implements BlobStore {
  private off(): Promise<never> {
    return Promise.reject(new DomainError('UNAVAILABLE', 'attachments are not configured on this server'));
  }
  signUpload = () => this.off();
  signDownload = () => this.off();
  size = () => this.off();
  read = () => this.off();
  put = () => this.off();
  copy = () => this.off();
  healthy = () => Promise.resolve(true);
  close = () => Promise.resolve();
}

/** Keys are a few `/`-separated segments of [A-Za-z0-9._-], none `.` or `..`: no path traversal. */
export function isSafeBlobKey(key: string): boolean {
  if (key.length === 0 || key.length > 512) return false;
  return key.split('/').every((seg) => /^[A-Za-z0-9._-]{1,200}$/.test(seg) && seg !== '.' && seg !== '..');
}
