import { ReadinessShape } from './plan';

/** The readiness scenario's settings: seed 001's bar by default, every one bounded. */
export interface ReadinessConfig extends ReadinessShape {
  durationMs: number;
  /** Slow clients read this many bytes a second, and write a ping this often. */
  slowBytesPerSecond: number;
  slowPingMs: number;
  workers: number;
  /** After the sends stop: how long acks may take, and how long clients may take to catch up. */
  drainMs: number;
  catchupMs: number;
  textChars: number;
  /** When set, the mesh runs with this PARLEY_WS_MAX_BUFFERED_BYTES (the 4408 bound; default: the server's own). */
  maxBufferedBytes: number | null;
  maxInFlightPerWorker: number;
  connectConcurrency: number;
}

export function readinessDefaults(): ReadinessConfig {
  return {
    users: 10_000,
    directs: 1_000,
    groups: 200,
    groupMin: 5,
    groupMax: 50,
    bigGroup: 10_000,
    ratePerSecond: 1_500,
    bigRatePerSecond: 1,
    slowFraction: 0.2,
    seed: 1,
    durationMs: 5 * 60_000,
    slowBytesPerSecond: 1024,
    slowPingMs: 2000,
    workers: 4,
    drainMs: 30_000,
    catchupMs: 120_000,
    textChars: 64,
    maxBufferedBytes: null,
    maxInFlightPerWorker: 20_000,
    connectConcurrency: 32,
  };
}

export const READINESS_USAGE = `  readiness scenario (mesh only, runs alone: --scenarios readiness; gateways: --processes):
  --ready-connections N (10000)  --ready-rate N msgs/s (1500)  --ready-duration-s N (300)
  --ready-directs N (1000)  --ready-groups N (200)  --ready-group-min N (5)  --ready-group-max N (50)
  --ready-big-group N (10000, 0 for none)  --ready-big-rate N msgs/s (1)
  --ready-slow-fraction F (0.2)  --ready-slow-bps N (1024)  --ready-workers N (4)  --ready-seed N (1)
  --ready-drain-s N (30)  --ready-catchup-s N (120)  --ready-text-chars N (64)
  --ready-max-buffered-bytes N (the mesh's PARLEY_WS_MAX_BUFFERED_BYTES; default: the server's)`;

function int(flag: string, raw: string | undefined, min: number, max: number): number {
  const n = Number(raw);
  if (raw === undefined || !Number.isInteger(n) || n < min || n > max) throw new Error(`${flag} needs an integer in [${min}, ${max}], got "${raw ?? ''}"`);
  return n;
}

function num(flag: string, raw: string | undefined, min: number, max: number): number {
  const n = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new Error(`${flag} needs a number in [${min}, ${max}], got "${raw ?? ''}"`);
  return n;
}

/** Applies one `--ready-*` flag; false when the flag is not one of them. */
export function applyReadinessFlag(c: ReadinessConfig, flag: string, raw: string | undefined): boolean {
  switch (flag) {
    case '--ready-connections':
      c.users = int(flag, raw, 2, 100_000);
      break;
    case '--ready-rate':
      c.ratePerSecond = num(flag, raw, 0, 100_000);
      break;
    case '--ready-duration-s':
      c.durationMs = int(flag, raw, 1, 600) * 1000;
      break;
    case '--ready-directs':
      c.directs = int(flag, raw, 0, 100_000);
      break;
    case '--ready-groups':
      c.groups = int(flag, raw, 0, 10_000);
      break;
    case '--ready-group-min':
      c.groupMin = int(flag, raw, 2, 100_000);
      break;
    case '--ready-group-max':
      c.groupMax = int(flag, raw, 2, 100_000);
      break;
    case '--ready-big-group':
      c.bigGroup = int(flag, raw, 0, 100_000);
      break;
    case '--ready-big-rate':
      c.bigRatePerSecond = num(flag, raw, 0, 1000);
      break;
    case '--ready-slow-fraction':
      c.slowFraction = num(flag, raw, 0, 0.9);
      break;
    case '--ready-slow-bps':
      c.slowBytesPerSecond = int(flag, raw, 64, 10 * 1024 * 1024);
      break;
    case '--ready-workers':
      c.workers = int(flag, raw, 1, 16);
      break;
    case '--ready-seed':
      c.seed = int(flag, raw, 0, 2 ** 31);
      break;
    case '--ready-drain-s':
      c.drainMs = int(flag, raw, 1, 600) * 1000;
      break;
    case '--ready-text-chars':
      c.textChars = int(flag, raw, 40, 4000);
      break;
    case '--ready-max-buffered-bytes':
      c.maxBufferedBytes = int(flag, raw, 64 * 1024, 1024 * 1024 * 1024);
      break;
    case '--ready-catchup-s':
      c.catchupMs = int(flag, raw, 1, 1800) * 1000;
      break;
    default:
      return false;
  }
  return true;
}

/** Checks that hold across flags: each worker and each gateway below the open-file limit. */
export function checkReadiness(c: ReadinessConfig, gateways: number): void {
  if (Math.ceil(c.users / c.workers) > 15_000) throw new Error(`readiness: ${c.users} connections over ${c.workers} workers is too close to the open-file limit: add --ready-workers`);
  if (Math.ceil(c.users / gateways) > 18_000) throw new Error(`readiness: ${c.users} connections need more mesh gateways (--processes)`);
  // Clients keep the access token they connected with (tokens live 15 minutes; setup takes some).
  if (c.durationMs + c.drainMs + c.catchupMs > 11 * 60_000) throw new Error('readiness: duration + drain + catch-up must fit in 11 minutes (access tokens live 15)');
  if (c.bigGroup > c.users) throw new Error(`readiness: --ready-big-group ${c.bigGroup} exceeds --ready-connections ${c.users}`);
}
