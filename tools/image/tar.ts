import { chmodSync, lchownSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * A deterministic tar writer for image layers: POSIX ustar headers, a PAX header for a path or link
 * longer than ustar holds, fixed mtime/uid/gid, entries in the order given (the caller sorts).
 * Only what a root file system needs: directories, regular files and symbolic links.
 */
export type TarEntry =
  | { kind: 'dir'; path: string; mode: number; uid: number; gid: number }
  | { kind: 'file'; path: string; mode: number; uid: number; gid: number; data: Buffer }
  | { kind: 'symlink'; path: string; target: string; uid: number; gid: number };

const BLOCK = 512;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, type: string, size: number, mode: number, uid: number, gid: number, mtime: number, link = ''): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode & 0o7777, 8), 100, 8, 'ascii');
  h.write(octal(uid, 8), 108, 8, 'ascii');
  h.write(octal(gid, 8), 116, 8, 'ascii');
  h.write(octal(size, 12), 124, 12, 'ascii');
  h.write(octal(mtime, 12), 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii');
  h.write(type, 156, 1, 'ascii');
  h.write(link, 157, 100, 'utf8');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(octal(sum, 7) + ' ', 148, 8, 'ascii');
  return h;
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return rest === 0 ? Buffer.alloc(0) : Buffer.alloc(BLOCK - rest);
}

/** One PAX record: "<len> key=value\n", where len counts the whole record including itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

/** The tar archive of `entries`, all stamped with `mtime` (seconds since the epoch). */
export function tar(entries: readonly TarEntry[], mtime: number): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const name = e.kind === 'dir' && !e.path.endsWith('/') ? `${e.path}/` : e.path;
    const link = e.kind === 'symlink' ? e.target : '';
    const pax: string[] = [];
    if (Buffer.byteLength(name) > 100) pax.push(paxRecord('path', name));
    if (Buffer.byteLength(link) > 100) pax.push(paxRecord('linkpath', link));
    if (pax.length > 0) {
      const body = Buffer.from(pax.join(''), 'utf8');
      parts.push(header('PaxHeader', 'x', body.length, 0o644, 0, 0, mtime), body, padding(body.length));
    }
    const shortName = Buffer.from(name).subarray(0, 100).toString('utf8');
    const shortLink = Buffer.from(link).subarray(0, 100).toString('utf8');
    if (e.kind === 'dir') parts.push(header(shortName, '5', 0, e.mode, e.uid, e.gid, mtime));
    else if (e.kind === 'symlink') parts.push(header(shortName, '2', 0, 0o777, e.uid, e.gid, mtime, shortLink));
    else parts.push(header(shortName, '0', e.data.length, e.mode, e.uid, e.gid, mtime), e.data, padding(e.data.length));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/** Reads a tar made by `tar()` (or any ustar/PAX archive of dirs, files and symlinks) back into entries. */
export function untar(archive: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  let offset = 0;
  let paxPath: string | undefined;
  let paxLink: string | undefined;
  while (offset + BLOCK <= archive.length) {
    const h = archive.subarray(offset, offset + BLOCK);
    if (h.every((b) => b === 0)) break;
    const field = (start: number, len: number) => h.subarray(start, start + len).toString('utf8').replace(/\0.*$/s, '');
    const num = (start: number, len: number) => parseInt(field(start, len).trim() || '0', 8);
    const size = num(124, 12);
    const type = field(156, 1) || '0';
    const prefix = field(345, 155);
    const data = archive.subarray(offset + BLOCK, offset + BLOCK + size);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      for (const rec of data.toString('utf8').split('\n')) {
        const m = /^\d+ (path|linkpath)=(.*)$/s.exec(rec);
        if (m?.[1] === 'path') paxPath = m[2];
        if (m?.[1] === 'linkpath') paxLink = m[2];
      }
      continue;
    }
    const path = paxPath ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    const link = paxLink ?? field(157, 100);
    paxPath = paxLink = undefined;
    const base = { path, uid: num(108, 8), gid: num(116, 8) };
    if (type === '5') out.push({ kind: 'dir', ...base, mode: num(100, 8) });
    else if (type === '2') out.push({ kind: 'symlink', ...base, target: link });
    else if (type === '0') out.push({ kind: 'file', ...base, mode: num(100, 8), data: Buffer.from(data) });
    else throw new Error(`tar: unsupported entry type "${type}" at ${path}`);
  }
  return out;
}

/**
 * Writes entries into `dir` as a root file system (the Dockerfile's build stage copies it into a
 * `scratch` image). Owners are set when running as root; timestamps are `mtime`.
 */
export function extractTo(dir: string, entries: readonly TarEntry[], mtime: number): void {
  const asRoot = process.getuid?.() === 0;
  for (const e of entries) {
    const target = join(dir, e.path);
    if (e.kind === 'dir') mkdirSync(target, { recursive: true, mode: e.mode });
    else {
      mkdirSync(dirname(target), { recursive: true });
      if (e.kind === 'symlink') symlinkSync(e.target, target);
      else writeFileSync(target, e.data, { mode: e.mode });
    }
    if (e.kind !== 'symlink') chmodSync(target, e.mode);
    if (asRoot) lchownSync(target, e.uid, e.gid);
    if (e.kind !== 'symlink') utimesSync(target, mtime, mtime);
  }
}
