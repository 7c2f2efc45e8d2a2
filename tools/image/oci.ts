import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * Writes an OCI image layout (image-spec v1.1: oci-layout, index.json, blobs/sha256/*) from
 * uncompressed layer tars and an image config. Layers are gzip'd with a fixed header (Node's
 * zlib writes mtime 0), so the same inputs give the same digests.
 */
export const MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface ImageConfig {
  user: string;
  env: string[];
  workingDir: string;
  cmd: string[];
  exposedPorts: number[];
  labels: Record<string, string>;
  created: string;
}

export interface LayoutResult {
  manifest: Descriptor;
  layers: Descriptor[];
  /** Compressed bytes of config, manifest and layers: what a registry stores. */
  compressedSize: number;
  /** Uncompressed bytes of the layers: what the unpacked root file system takes. */
  unpackedSize: number;
}

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

function putBlob(dir: string, data: Buffer, mediaType: string): Descriptor {
  const digest = sha256(data);
  writeFileSync(join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)), data);
  return { mediaType, digest, size: data.length };
}

/** Deterministic JSON: keys as given by the code below, no whitespace. */
const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

export function writeLayout(dir: string, layerTars: readonly Buffer[], image: ImageConfig, refName: string): LayoutResult {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const layers = layerTars.map((t) => putBlob(dir, gzipSync(t, { level: 9 }), MEDIA.layer));
  const config = {
    created: image.created,
    architecture: 'amd64',
    os: 'linux',
    config: {
      User: image.user,
      Env: image.env,
      WorkingDir: image.workingDir,
      Cmd: image.cmd,
      ExposedPorts: Object.fromEntries(image.exposedPorts.map((p) => [`${p}/tcp`, {}])),
      Labels: image.labels,
    },
    rootfs: { type: 'layers', diff_ids: layerTars.map(sha256) },
    history: layerTars.map((_, i) => ({ created: image.created, created_by: `parley tools/image layer ${i}` })),
  };
  const configDesc = putBlob(dir, json(config), MEDIA.config);
  const manifest = { schemaVersion: 2, mediaType: MEDIA.manifest, config: configDesc, layers, annotations: image.labels };
  const manifestDesc = { ...putBlob(dir, json(manifest), MEDIA.manifest), annotations: { 'org.opencontainers.image.ref.name': refName } };
  writeFileSync(join(dir, 'oci-layout'), json({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), json({ schemaVersion: 2, mediaType: MEDIA.index, manifests: [manifestDesc] }));
  return {
    manifest: manifestDesc,
    layers,
    compressedSize: layers.reduce((n, l) => n + l.size, configDesc.size + manifestDesc.size),
    unpackedSize: layerTars.reduce((n, t) => n + t.length, 0),
  };
}
