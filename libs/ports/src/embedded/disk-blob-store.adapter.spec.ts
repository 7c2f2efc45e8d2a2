import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSafeBlobKey } from '../blob-store.port';
import { DiskBlobStore, FILES_PATH } from './disk-blob-store.adapter';

const KEY = Buffer.alloc(32, 7);

describe('DiskBlobStore', () => {
  let dir: string;
  let now: number;
  let store: DiskBlobStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-blobs-'));
    now = 1_800_000_000_000;
    store = new DiskBlobStore(dir, KEY, () => now);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const parse = (url: string) => {
    const u = new URL(url, 'http://gw');
    return { key: u.pathname.slice(FILES_PATH.length), query: u.searchParams };
  };

  it('grants what it signed, until it expires', async () => {
    const up = parse((await store.signUpload('uploads/c1/a1', 'image/png', 123, 60)).url);
    expect(store.verify('PUT', up.key, up.query)).toEqual({ op: 'put', key: 'uploads/c1/a1', size: 123, contentType: 'image/png' });
    const down = parse((await store.signDownload('files/c1/a1', 'image/png', 60)).url);
    expect(store.verify('GET', down.key, down.query)).toEqual({ op: 'get', key: 'files/c1/a1', contentType: 'image/png' });
    now += 61_000;
    expect(store.verify('GET', down.key, down.query)).toBeNull();
  });

  it('refuses a changed signature, size, type, key or method, and another key\'s signature', async () => {
    const { key, query } = parse((await store.signUpload('uploads/c1/a1', 'image/png', 123, 60)).url);
    const changed = (name: string, value: string) => {
      const q = new URLSearchParams(query);
      q.set(name, value);
      return q;
    };
    const sig = query.get('sig') ?? '';
    expect(store.verify('PUT', key, changed('sig', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1)))).toBeNull();
    expect(store.verify('PUT', key, changed('size', '124'))).toBeNull();
    expect(store.verify('PUT', key, changed('type', 'image/gif'))).toBeNull();
    expect(store.verify('PUT', key, changed('exp', String(Number(query.get('exp')) + 3600)))).toBeNull();
    expect(store.verify('PUT', 'uploads/c1/a2', query)).toBeNull();
    expect(store.verify('GET', key, query)).toBeNull();
    const other = new DiskBlobStore(dir, Buffer.alloc(32, 8), () => now);
    expect(other.verify('PUT', key, query)).toBeNull();
  });

  it('never builds a path from an unsafe key', async () => {
    for (const bad of ['../etc/passwd', 'a/../../b', 'a//b', '/abs', 'a/./b', 'a\\b', 'a/b%2f', '']) {
      expect(isSafeBlobKey(bad)).toBe(false);
      expect(() => store.pathOf(bad)).toThrow('unsafe blob key');
    }
    await expect(store.signDownload('../x', 'image/png', 60)).rejects.toThrow('unsafe blob key');
    expect(store.verify('GET', '../x', new URLSearchParams({ op: 'get', exp: '9999999999', type: 'image/png', sig: 'x'.repeat(43) }))).toBeNull();
  });

  it('writes, reads a prefix, sizes and copies files; an upload appears only once committed', async () => {
    await store.put('meta/c1/a1.json', Buffer.from('{"a":1}'));
    expect((await store.read('meta/c1/a1.json', 3))?.toString()).toBe('{"a');
    expect(await store.size('meta/c1/a1.json')).toBe(7);
    expect(await store.read('meta/c1/none', 10)).toBeNull();
    expect(await store.size('meta/c1/none')).toBeNull();
    const upload = await store.beginUpload('uploads/c1/a1');
    upload.stream.write(Buffer.from('hello'));
    expect(await store.size('uploads/c1/a1')).toBeNull();
    await upload.commit();
    await store.copy('uploads/c1/a1', 'files/c1/a1');
    expect((await store.read('files/c1/a1', 100))?.toString()).toBe('hello');
    const discarded = await store.beginUpload('uploads/c1/a2');
    discarded.stream.write(Buffer.from('x'));
    await discarded.discard();
    expect(await store.size('uploads/c1/a2')).toBeNull();
  });

  it('keeps one signing key in a file, made once', async () => {
    const file = join(dir, 'k', 'attachments.key');
    const a = await DiskBlobStore.keyFrom(file);
    expect(a.length).toBe(32);
    expect((await DiskBlobStore.keyFrom(file)).equals(a)).toBe(true);
  });
});
