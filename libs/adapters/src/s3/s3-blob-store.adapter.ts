import { CopyObjectCommand, CreateBucketCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { DomainError } from '@parley/domain';
import { BlobStore, isSafeBlobKey, SignedRequest } from '@parley/ports';

export interface S3BlobStoreOptions {
  /** Where Parley's processes reach the S3 API. */
  endpoint: string;
  /** Where clients reach it (the host in presigned URLs); empty: `endpoint`. */
  publicEndpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Path-style URLs (`endpoint/bucket/key`), as most self-hosted S3 servers need. */
  forcePathStyle: boolean;
}

const isMissing = (e: unknown) =>
  e instanceof S3ServiceException && (e.$metadata.httpStatusCode === 404 || e.name === 'NoSuchKey' || e.name === 'NotFound' || e.name === 'NoSuchBucket');

/**
 * The mesh's blob store: an S3 bucket through the AWS SDK. Uploads and downloads are presigned
 * (SigV4, the upload's content type and length signed, so the store itself refuses other bytes);
 * the gateway only reads heads of files, copies them and writes thumbnails.
 */
export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly signer: S3Client;

  constructor(private readonly options: S3BlobStoreOptions) {
    const base = {
      region: options.region,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      forcePathStyle: options.forcePathStyle,
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 3_000, requestTimeout: 15_000 },
      // No default CRC32 checksums: a presigned PUT would carry the checksum of an empty body.
      requestChecksumCalculation: 'WHEN_REQUIRED' as const,
      responseChecksumValidation: 'WHEN_REQUIRED' as const,
    };
    this.client = new S3Client({ ...base, endpoint: options.endpoint });
    this.signer = new S3Client({ ...base, endpoint: options.publicEndpoint || options.endpoint });
  }

  /** Creates the bucket when it does not exist (the mesh's `create` schema setup). */
  async ensureBucket(): Promise<void> {
    try {
      await this.call(() => this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket })));
    } catch (e) {
      if (!isMissing(e)) throw e;
      try {
        await this.call(() => this.client.send(new CreateBucketCommand({ Bucket: this.options.bucket })));
      } catch (err) {
        // Another process (a second gateway) created it first.
        if (!(err instanceof S3ServiceException && (err.name === 'BucketAlreadyOwnedByYou' || err.name === 'BucketAlreadyExists'))) throw err;
      }
    }
  }

  async signUpload(key: string, contentType: string, size: number, ttlSeconds: number): Promise<SignedRequest> {
    const command = new PutObjectCommand({ Bucket: this.options.bucket, Key: checked(key), ContentType: contentType, ContentLength: size });
    const url = await getSignedUrl(this.signer, command, { expiresIn: ttlSeconds, signableHeaders: new Set(['content-type', 'content-length']) });
    return { method: 'PUT', url, headers: { 'content-type': contentType }, expires_at: expiry(ttlSeconds) };
  }

  async signDownload(key: string, contentType: string, ttlSeconds: number): Promise<SignedRequest> {
    const command = new GetObjectCommand({ Bucket: this.options.bucket, Key: checked(key), ResponseContentType: contentType, ResponseContentDisposition: 'attachment' });
    const url = await getSignedUrl(this.signer, command, { expiresIn: ttlSeconds });
    return { method: 'GET', url, headers: {}, expires_at: expiry(ttlSeconds) };
  }

  async size(key: string): Promise<number | null> {
    try {
      const head = await this.call(() => this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: checked(key) })));
      return head.ContentLength ?? 0;
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  async read(key: string, maxBytes: number): Promise<Buffer | null> {
    const size = await this.size(key);
    if (size === null) return null;
    if (size === 0 || maxBytes <= 0) return Buffer.alloc(0);
    try {
      const out = await this.call(() => this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: checked(key), Range: `bytes=0-${Math.min(size, maxBytes) - 1}` })));
      const bytes = Buffer.from((await out.Body?.transformToByteArray()) ?? new Uint8Array());
      return bytes.subarray(0, maxBytes);
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  async put(key: string, bytes: Buffer, contentType: string): Promise<void> {
    await this.call(() => this.client.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: checked(key), Body: bytes, ContentType: contentType })));
  }

  async copy(from: string, to: string): Promise<void> {
    await this.call(() => this.client.send(new CopyObjectCommand({ Bucket: this.options.bucket, Key: checked(to), CopySource: `${this.options.bucket}/${checked(from)}` })));
  }

  async healthy(): Promise<boolean> {
    await this.call(() => this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket })));
    return true;
  }

  /**
   * One S3 call: "no such key or bucket" goes to the caller as the SDK raised it (callers test it
   * with isMissing); anything else (unreachable, a 5xx, refused credentials) is UNAVAILABLE, so a
   * client gets 503 while the file store is down, never a 500.
   */
  private async call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      // Our own refusals (an unsafe key) pass through as they are.
      if (e instanceof DomainError || isMissing(e) || (e instanceof S3ServiceException && (e.name === 'BucketAlreadyOwnedByYou' || e.name === 'BucketAlreadyExists'))) throw e;
      throw new DomainError('UNAVAILABLE', `the file store is unavailable (${e instanceof Error ? e.name : 'error'})`);
    }
  }

  close(): Promise<void> {
    this.client.destroy();
    this.signer.destroy();
    return Promise.resolve();
  }
}

function checked(key: string): string {
  if (!isSafeBlobKey(key)) throw new DomainError('VALIDATION_FAILED', 'unsafe blob key');
  return key;
}

const expiry = (ttlSeconds: number) => new Date(Date.now() + ttlSeconds * 1000).toISOString();
