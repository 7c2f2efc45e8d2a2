import { randomUUID } from 'node:crypto';
import { integrationEnv, requireServer } from '../testing/integration-env';
import { S3BlobStore } from './s3-blob-store.adapter';

/** The S3 adapter against a real S3 server on loopback (SeaweedFS: `parley-infra start s3`). */
// A fresh SeaweedFS grows its first volumes on the first write (seconds on a busy machine).
jest.setTimeout(30_000);

describe('S3BlobStore (real S3 server)', () => {
  // One bucket for every run (each bucket is a SeaweedFS collection with volumes of its own); keys are per run.
  const bucket = 'parley-integration';
  const run = randomUUID().slice(0, 8);
  const k = (key: string) => `${run}/${key}`;
  let store: S3BlobStore;

  beforeAll(async () => {
    await requireServer('s3', integrationEnv.s3Endpoint.replace(/^https?:\/\//, ''));
    if (!integrationEnv.s3AccessKeyId) throw new Error('PARLEY_S3_ACCESS_KEY_ID unset: eval "$(infra/bin/parley-infra env)" after `parley-infra start s3`');
    store = new S3BlobStore({
      endpoint: integrationEnv.s3Endpoint,
      publicEndpoint: '',
      region: 'us-east-1',
      bucket,
      accessKeyId: integrationEnv.s3AccessKeyId,
      secretAccessKey: integrationEnv.s3SecretAccessKey,
      forcePathStyle: true,
    });
    await store.ensureBucket();
    await store.ensureBucket(); // idempotent
  });
  afterAll(() => store.close());

  it('puts, sizes, reads a prefix and copies objects; a missing key is null', async () => {
    await store.put(k('meta/c1/a.json'), Buffer.from('{"hello":"world"}'), 'application/json');
    expect(await store.size(k('meta/c1/a.json'))).toBe(17);
    expect((await store.read(k('meta/c1/a.json'), 5))?.toString()).toBe('{"hel');
    expect((await store.read(k('meta/c1/a.json'), 1000))?.toString()).toBe('{"hello":"world"}');
    await store.copy(k('meta/c1/a.json'), k('files/c1/a'));
    expect((await store.read(k('files/c1/a'), 100))?.toString()).toBe('{"hello":"world"}');
    expect(await store.size(k('meta/c1/none'))).toBeNull();
    expect(await store.read(k('meta/c1/none'), 10)).toBeNull();
    expect(await store.healthy()).toBe(true);
  });

  it('a presigned upload takes exactly the signed bytes and type; a presigned download returns them', async () => {
    const bytes = Buffer.from('%PDF-1.4 twenty bytes');
    const up = await store.signUpload(k('uploads/c1/b'), 'application/pdf', bytes.length, 60);
    expect(up.method).toBe('PUT');
    const put = await fetch(up.url, { method: 'PUT', headers: up.headers, body: new Uint8Array(bytes) });
    expect(put.status).toBe(200);
    expect(await store.size(k('uploads/c1/b'))).toBe(bytes.length);

    // More bytes than signed, or another type: the server refuses the signature.
    const longer = await fetch(up.url, { method: 'PUT', headers: up.headers, body: new Uint8Array(Buffer.concat([bytes, bytes])) });
    expect(longer.ok).toBe(false);
    const otherType = await fetch(up.url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array(bytes) });
    expect(otherType.ok).toBe(false);
    expect((await store.read(k('uploads/c1/b'), 100))?.equals(bytes)).toBe(true);

    const down = await store.signDownload(k('uploads/c1/b'), 'application/pdf', 60);
    const got = await fetch(down.url);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await got.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('refuses a forged or expired download signature', async () => {
    await store.put(k('files/c1/c'), Buffer.from('secret'), 'application/pdf');
    const forged = new URL((await store.signDownload(k('files/c1/c'), 'application/pdf', 60)).url);
    const sig = forged.searchParams.get('X-Amz-Signature') ?? '';
    forged.searchParams.set('X-Amz-Signature', (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1));
    expect((await fetch(forged)).status).toBe(403);
    const short = await store.signDownload(k('files/c1/c'), 'application/pdf', 1);
    await new Promise((r) => setTimeout(r, 2500));
    expect((await fetch(short.url)).status).toBe(403);
  });

  it('never sends an unsafe key', async () => {
    await expect(store.put('../escape', Buffer.from('x'), 'text/plain')).rejects.toThrow('unsafe blob key');
    await expect(store.signDownload('a/../b', 'image/png', 60)).rejects.toThrow('unsafe blob key');
  });
});
