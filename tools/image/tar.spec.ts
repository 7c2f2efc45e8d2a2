import { execFileSync } from 'node:child_process';
import { tar, untar, type TarEntry } from './tar';

describe('the image tar writer', () => {
  const long = `app/node_modules/${'deep/'.repeat(30)}file.js`;
  const entries: TarEntry[] = [
    { kind: 'dir', path: 'app', mode: 0o755, uid: 0, gid: 0 },
    { kind: 'file', path: 'app/main.js', mode: 0o644, uid: 0, gid: 0, data: Buffer.from('console.log(1)\n') },
    { kind: 'file', path: long, mode: 0o755, uid: 10001, gid: 10001, data: Buffer.alloc(1025, 7) },
    { kind: 'symlink', path: 'app/link', target: `../${'x'.repeat(120)}`, uid: 0, gid: 0 },
  ];

  test('reads back what it wrote, long paths and links included (PAX)', () => {
    const back = untar(tar(entries, 1_700_000_000));
    expect(back.map((e) => e.path)).toEqual(['app/', 'app/main.js', long, 'app/link']);
    expect(back[2]).toMatchObject({ kind: 'file', mode: 0o755, uid: 10001, gid: 10001 });
    expect((back[2] as { data: Buffer }).data.equals(Buffer.alloc(1025, 7))).toBe(true);
    expect(back[3]).toMatchObject({ kind: 'symlink', target: `../${'x'.repeat(120)}` });
  });

  test('is deterministic and block-aligned; the timestamp is the one given', () => {
    const a = tar(entries, 1_700_000_000);
    expect(a.equals(tar(entries, 1_700_000_000))).toBe(true);
    expect(a.equals(tar(entries, 1_700_000_001))).toBe(false);
    expect(a.length % 512).toBe(0);
    expect(a.subarray(136, 147).toString('ascii')).toBe((1_700_000_000).toString(8).padStart(11, '0'));
  });

  test('writes headers that GNU tar accepts', () => {
    const listing = execFileSync('tar', ['-tvf', '-'], { input: tar(entries, 0) }).toString();
    expect(listing).toContain('app/main.js');
    expect(listing).toContain('file.js');
    expect(listing).toMatch(/10001\/10001/);
  });
});
