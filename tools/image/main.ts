import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeLayout } from './oci';
import { IMAGE_CONFIG } from './config';
import { appLayer, baseLayer, modulesLayer, nativeAddons, productionModules, walk } from './rootfs';
import { extractTo, tar } from './tar';

/**
 * `npm run image`: builds Parley's OCI image on this machine, with no container engine and no
 * registry pull (docs/adr/0008-image.md). Writes dist/image/parley-oci/ (an OCI image layout, tag
 * = the package version) and dist/image/parley-oci.tar (the same layout as one archive).
 * SOURCE_DATE_EPOCH fixes every timestamp; by default it is the HEAD commit's time.
 *
 * `--rootfs DIR` writes the same three layers unpacked into DIR instead (the Dockerfile's build
 * stage, which then copies DIR into a `scratch` image with the same config).
 */
function git(root: string, args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function main(): void {
  // Bundled to dist/tools/image/main.js: the repository is three levels up.
  const root = resolve(__dirname, '..', '..', '..');
  const out = join(root, 'dist', 'image');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const epoch = Number(process.env.SOURCE_DATE_EPOCH || git(root, ['log', '-1', '--format=%ct']) || 0);
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new Error(`SOURCE_DATE_EPOCH must be seconds since the epoch, got ${process.env.SOURCE_DATE_EPOCH}`);
  const revision = process.env.PARLEY_IMAGE_REVISION || git(root, ['rev-parse', 'HEAD']) || 'unknown';
  const nodeBinary = process.env.PARLEY_IMAGE_NODE || process.execPath;
  if (!existsSync(join(root, 'dist', 'apps', 'standalone', 'src', 'main.js'))) throw new Error('dist/ is not built: run npm run build first');

  const stage = productionModules(root);
  const layerEntries = [baseLayer(nodeBinary, nativeAddons(join(stage, 'node_modules'))), modulesLayer(stage), appLayer(root)];
  const rootfsFlag = process.argv.indexOf('--rootfs');
  if (rootfsFlag >= 0) {
    const dir = process.argv[rootfsFlag + 1];
    if (!dir) throw new Error('--rootfs needs a directory');
    for (const entries of layerEntries) extractTo(resolve(dir), entries, epoch);
    process.stdout.write(`image: root file system written to ${resolve(dir)}\n`);
    return;
  }
  const layers = layerEntries.map((entries) => tar(entries, epoch));
  const created = new Date(epoch * 1000).toISOString();
  const labels = {
    'org.opencontainers.image.title': 'parley',
    'org.opencontainers.image.description': 'Parley chat backend: every process (the command selects the service)',
    // Where the source lives: PARLEY_IMAGE_SOURCE, else the clone's origin remote, else "unknown".
    'org.opencontainers.image.source': process.env.PARLEY_IMAGE_SOURCE || git(root, ['remote', 'get-url', 'origin']) || 'unknown',
    'org.opencontainers.image.revision': revision,
    'org.opencontainers.image.version': version,
    'org.opencontainers.image.created': created,
    'org.opencontainers.image.licenses': 'Apache-2.0',
  };
  const layoutDir = join(out, 'parley-oci');
  const result = writeLayout(
    layoutDir,
    layers,
    {
      ...IMAGE_CONFIG,
      labels,
      created,
    },
    version,
  );
  // The layout as one archive (what `skopeo copy oci-archive:` and `podman load` read).
  writeFileSync(join(out, 'parley-oci.tar'), tar(walk(layoutDir, '.').map((e) => ({ ...e, path: e.path.slice(2) })), epoch));
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  const summary = { version, revision, manifest: result.manifest.digest, compressed: result.compressedSize, unpacked: result.unpackedSize, layers: result.layers.map((l) => l.size) };
  writeFileSync(join(out, 'parley-oci.json'), JSON.stringify(summary, null, 2) + '\n');
  process.stdout.write(`image: ${layoutDir} (tag ${version}) ${result.manifest.digest}\n  compressed ${mb(result.compressedSize)}, unpacked ${mb(result.unpackedSize)}; archive ${join(out, 'parley-oci.tar')}\n`);
}

main();
