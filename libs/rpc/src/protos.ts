import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';

/** The gRPC services Parley's processes expose to each other in mesh mode. */
export type ParleyServiceName = 'Auth' | 'Conversations' | 'Presence' | 'GatewayDelivery' | 'Notifications';
export type ParleyServices = Record<ParleyServiceName, ServiceDefinition>;

const PROTO_FILES = ['auth', 'conversations', 'presence', 'gateway', 'notifications'].map((name) => `parley/v1/${name}.proto`);
const MARKER = join('parley', 'v1', 'common.proto');

/**
 * Decoding rules every mapping in this lib relies on: proto field names as written (snake_case,
 * the TS names), int64 as JS numbers, absent optional fields left out, absent message fields null,
 * and a oneof's set member named by a virtual field.
 */
const LOADER_OPTIONS: Options = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true };

/**
 * The directory holding `parley/v1/*.proto`: `explicit` (or PARLEY_PROTO_DIR) when given, else the
 * first `proto/` found walking up from this file, which finds the repo's `proto/` both from the
 * sources (jest) and from the compiled `dist/libs/rpc/src/`.
 */
export function resolveProtoDir(explicit: string | undefined = process.env.PARLEY_PROTO_DIR, start: string = __dirname): string {
  if (explicit) {
    const dir = resolve(explicit);
    if (!existsSync(join(dir, MARKER))) throw new Error(`proto directory ${dir} has no ${MARKER}`);
    return dir;
  }
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, MARKER))) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error(`no proto/${MARKER} above ${start}; set PARLEY_PROTO_DIR to the directory that holds parley/v1`);
}

const loaded = new Map<string, ParleyServices>();

/** Loads (once per directory) and returns the service definitions. */
export function parleyServices(protoDir?: string): ParleyServices {
  const dir = resolveProtoDir(protoDir);
  const cached = loaded.get(dir);
  if (cached) return cached;
  const definitions = loadSync(PROTO_FILES, { ...LOADER_OPTIONS, includeDirs: [dir] });
  const service = (name: ParleyServiceName): ServiceDefinition => {
    const def = definitions[`parley.v1.${name}`];
    if (!def || 'format' in def) throw new Error(`parley.v1.${name} is not a service in ${dir}`);
    return def;
  };
  const services: ParleyServices = {
    Auth: service('Auth'),
    Conversations: service('Conversations'),
    Presence: service('Presence'),
    GatewayDelivery: service('GatewayDelivery'),
    Notifications: service('Notifications'),
  };
  loaded.set(dir, services);
  return services;
}
