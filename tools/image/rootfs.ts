import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, posix } from 'node:path';
import { Lockfile, optionalPeerOnly } from './optional-peers';
import { TarEntry } from './tar';

/**
 * The image's root file system, as three layers: a distroless-style base (this machine's Node
 * binary and the shared libraries it and the native addons link, CA certificates, passwd/group
 * with the non-root user), the production node_modules, and the built app (dist/).
 */
export const APP_UID = 10001;
export const APP_DIR = 'app';

const dirEntry = (path: string, mode = 0o755, uid = 0): TarEntry => ({ kind: 'dir', path, mode, uid, gid: uid });
const fileEntry = (path: string, data: Buffer, mode = 0o644): TarEntry => ({ kind: 'file', path, mode, uid: 0, gid: 0, data });

/** Every parent directory of `paths` (root-owned, 0755) that is not already an entry. */
function withParents(entries: TarEntry[]): TarEntry[] {
  const have = new Set(entries.map((e) => e.path));
  const extra: TarEntry[] = [];
  for (const e of entries) {
    for (let d = posix.dirname(e.path); d !== '.' && d !== '/'; d = posix.dirname(d)) {
      if (have.has(d)) continue;
      have.add(d);
      extra.push(dirEntry(d));
    }
  }
  return [...extra, ...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Files under `dir` as entries under `prefix`, symlinks kept as links, in sorted order. */
export function walk(dir: string, prefix: string, keep: (rel: string) => boolean = () => true): TarEntry[] {
  const out: TarEntry[] = [];
  const visit = (abs: string, rel: string) => {
    for (const name of readdirSync(abs).sort()) {
      const a = join(abs, name);
      const r = rel ? `${rel}/${name}` : name;
      if (!keep(r)) continue;
      const st = lstatSync(a);
      const path = `${prefix}/${r}`;
      if (st.isSymbolicLink()) out.push({ kind: 'symlink', path, target: readlinkSync(a), uid: 0, gid: 0 });
      else if (st.isDirectory()) {
        out.push(dirEntry(path));
        visit(a, r);
      } else if (st.isFile()) out.push(fileEntry(path, readFileSync(a), st.mode & 0o111 ? 0o755 : 0o644));
    }
  };
  visit(dir, '');
  return out;
}

/** The shared libraries `binary` links, as `ldd` resolves them (absolute paths). */
function linkedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (m) libs.push(m[1]);
  }
  return libs;
}

export function baseLayer(nodeBinary: string, nativeAddons: string[]): TarEntry[] {
  const libs = new Set<string>();
  for (const bin of [nodeBinary, ...nativeAddons]) for (const lib of linkedLibraries(bin)) libs.add(lib);
  const entries: TarEntry[] = [
    dirEntry('tmp', 0o1777),
    dirEntry('data', 0o700, APP_UID),
    dirEntry('home/parley', 0o700, APP_UID),
    dirEntry(APP_DIR),
    fileEntry('etc/passwd', Buffer.from(`root:x:0:0:root:/root:/sbin/nologin\nparley:x:${APP_UID}:${APP_UID}:parley:/home/parley:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n`)),
    fileEntry('etc/group', Buffer.from(`root:x:0:\nparley:x:${APP_UID}:\nnogroup:x:65534:\n`)),
    fileEntry('etc/nsswitch.conf', Buffer.from('passwd: files\ngroup: files\nhosts: files dns\n')),
    fileEntry('etc/ssl/certs/ca-certificates.crt', readFileSync('/etc/ssl/certs/ca-certificates.crt')),
    fileEntry('usr/local/bin/node', readFileSync(realpathSync(nodeBinary)), 0o755),
  ];
  // Each library at the path the loader asks for (the file itself, not the symlink chain).
  for (const lib of [...libs].sort()) entries.push(fileEntry(lib.slice(1), readFileSync(realpathSync(lib)), 0o755));
  return withParents(entries);
}

/**
 * `npm ci --omit=dev` of this lockfile in a staging directory (less what only an optional peer
 * brings in: optional-peers.ts), cached under
 * ~/.cache/parley/image/<lockfile and Node version hash>/. Workspace links (@parley/*) are dropped:
 * the image resolves those through dist/node_modules.
 */
export function productionModules(root: string): string {
  const lock = readFileSync(join(root, 'package-lock.json'));
  const key = createHash('sha256').update(lock).update(readFileSync(join(root, 'package.json'))).update(process.version).update('prune-optional-peers').digest('hex').slice(0, 16);
  const stage = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'parley', 'image', `modules-${key}`);
  if (existsSync(join(stage, '.complete'))) return stage;
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  cpSync(join(root, 'package.json'), join(stage, 'package.json'));
  cpSync(join(root, 'package-lock.json'), join(stage, 'package-lock.json'));
  for (const lib of readdirSync(join(root, 'libs'))) {
    const pkg = join(root, 'libs', lib, 'package.json');
    if (!existsSync(pkg)) continue;
    mkdirSync(join(stage, 'libs', lib), { recursive: true });
    cpSync(pkg, join(stage, 'libs', lib, 'package.json'));
  }
  execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: stage, stdio: 'inherit' });
  rmSync(join(stage, 'node_modules', '@parley'), { recursive: true, force: true });
  const lockfile = JSON.parse(lock.toString('utf8')) as Lockfile;
  const production: Lockfile = { packages: Object.fromEntries(Object.entries(lockfile.packages).filter(([, p]) => !(p as { dev?: boolean }).dev)) };
  for (const path of optionalPeerOnly(production)) rmSync(join(stage, path), { recursive: true, force: true });
  execFileSync('touch', [join(stage, '.complete')]);
  return stage;
}

/**
 * What of node_modules goes into the image. uWebSockets.js ships a binary per platform and Node
 * ABI: only this one's. Never loaded at run time, so left out: TypeScript sources and declarations
 * (Node 20 runs no .ts), source maps, and documentation other than licence and notice files.
 */
export function keepModule(rel: string): boolean {
  const m = /^uWebSockets\.js\/(?:binaries|dist)\/uws_([a-z0-9]+_[a-z0-9]+_\d+)\.node$/.exec(rel);
  if (m) return m[1] === `${process.platform}_${process.arch}_${process.versions.modules}`;
  if (rel.startsWith('.bin') || rel === '.package-lock.json') return false;
  // Prisma Client ships a query compiler per database, as CommonJS and ESM: the generated client
  // (CommonJS, PostgreSQL, compilerBuild "small") loads only that one (docs/adr/0004-relational-data.md).
  const qc = /^@prisma\/client\/runtime\/query_compiler_(fast|small)_bg\.([a-z]+)\./.exec(rel);
  if (qc) return qc[1] === 'small' && qc[2] === 'postgresql' && rel.endsWith('.js');
  if (/\.([mc]?ts|map)$/.test(rel)) return false;
  const base = rel.slice(rel.lastIndexOf('/') + 1);
  return !/\.(md|markdown)$/i.test(base) || /^(licen[cs]e|notice|copying|authors)/i.test(base);
}

export function modulesLayer(stage: string): TarEntry[] {
  const entries = walk(join(stage, 'node_modules'), `${APP_DIR}/node_modules`, keepModule);
  entries.push(fileEntry(`${APP_DIR}/package.json`, readFileSync(join(stage, 'package.json'))));
  return withParents(entries);
}

/** dist/apps, dist/libs, dist/web and the @parley links (the JavaScript the processes run), and proto/ (gRPC loads it at run time). */
export function appLayer(root: string): TarEntry[] {
  const dist = join(root, 'dist');
  const entries: TarEntry[] = [];
  for (const part of ['apps', 'libs', 'node_modules', 'web']) {
    if (!statSync(join(dist, part)).isDirectory()) throw new Error(`dist/${part} missing: run npm run build first`);
    entries.push(dirEntry(`${APP_DIR}/dist/${part}`), ...walk(join(dist, part), `${APP_DIR}/dist/${part}`, (rel) => !rel.endsWith('.d.ts') && !rel.endsWith('.map')));
  }
  entries.push(dirEntry(`${APP_DIR}/proto`), ...walk(join(root, 'proto'), `${APP_DIR}/proto`));
  return withParents(entries);
}

/** The native addons (.node ELF files for linux x64) under the production node_modules: their libraries go into the base layer. */
export function nativeAddons(modules: string): string[] {
  const found: string[] = [];
  const visit = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const abs = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(abs);
      if (st.isDirectory()) visit(abs, r);
      else if (st.isFile() && name.endsWith('.node') && keepModule(r) && /linux[-_]x64/.test(r) && readFileSync(abs).subarray(0, 4).toString('hex') === '7f454c46') found.push(abs);
    }
  };
  visit(modules, '');
  return found;
}
