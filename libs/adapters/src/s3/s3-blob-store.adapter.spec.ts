import { createServer } from 'node:net';
import { S3BlobStore } from './s3-blob-store.adapter';

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('S3BlobStore when the file store is down', () => {
  it('answers UNAVAILABLE (a 503 at the edge), never a raw SDK error', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const store = new S3BlobStore({ endpoint, publicEndpoint: '', region: 'us-east-1', bucket: 'b', accessKeyId: 'k', secretAccessKey: 's', forcePathStyle: true });
    try {
      await expect(store.healthy()).rejects.toMatchObject({ name: 'DomainError', code: 'UNAVAILABLE' });
      await expect(store.put('conversations/c/a', Buffer.from([1, 2, 3]), 'image/png')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      // A refusal of its own is not an outage.
      await expect(store.put('../etc/passwd', Buffer.from([1]), 'image/png')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: 'unsafe blob key' });
    } finally {
      await store.close();
    }
  });
});
