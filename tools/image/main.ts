import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeLayout } from './oci';
import { APP_UID, appLayer, baseLayer, modulesLayer, nativeAddons, productionModules, walk } from './rootfs';
import { tar } from './tar';

/**
 * `npm run image`: builds Parley's OCI image on this machine, with no container engine and no
 * registry pull (docs/adr/0008-image.md). Writes dist/image/parley-oci/ (an OCI image layout, tag
 * = the package version) and dist/image/parley-oci.tar (the same layout as one archive).
 * SOURCE_DATE_EPOCH fixes every timestamp; by default it is the HEAD commit's time. This is the
 * one way to build the image (no Dockerfile: ADR 0008 says why).
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
      user: `${APP_UID}:${APP_UID}`,
      env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'NODE_ENV=production', 'PARLEY_DATA_DIR=/data', 'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt'],
      workingDir: '/app',
      cmd: ['node', 'dist/apps/standalone/src/main.js'],
      exposedPorts: [8080],
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
