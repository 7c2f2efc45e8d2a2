import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FanoutConfig } from './scenarios/fanout.scenario';
import { SendsConfig } from './scenarios/persisted-sends.scenario';
import { TargetName } from './targets/target';

export type Scenario = 'fanout' | 'sends';

export interface BenchConfig {
  mode: 'quick' | 'full';
  targets: TargetName[];
  scenarios: Scenario[];
  rounds: number;
  fanout: FanoutConfig;
  sends: SendsConfig;
  /** Extra, unmeasured Parley rounds under `node --cpu-prof`, summarized in the report. */
  profile: boolean;
  prepareOnly: boolean;
  stateDir: string;
  outDir: string;
  /** 127.0.0.x range of client source addresses. */
  sourceFirst: number;
  sourceLast: number;
  /** The whole run stops itself (killing what it started) after this. */
  maxMinutes: number;
  redisUrl: string;
  /** Checkout whose dist/ holds the Parley under test (default: this one). */
  parleyRoot: string | null;
}

const ALL_TARGETS: TargetName[] = ['parley', 'bare-uws', 'socketio'];
const ALL_SCENARIOS: Scenario[] = ['fanout', 'sends'];

function preset(mode: 'quick' | 'full'): BenchConfig {
  const full = mode === 'full';
  const base = join(tmpdir(), 'parley-bench');
  return {
    mode,
    targets: [...ALL_TARGETS],
    scenarios: [...ALL_SCENARIOS],
    rounds: 3,
    fanout: {
      shape: full ? { connections: 15_000, members: 10_000 } : { connections: 2_000, members: 2_000 },
      messages: full ? 50 : 20,
      warmupMessages: full ? 10 : 5,
      // A 10,000-member message costs ~80 ms of server CPU here (kernel included) and ~45 ms of load
      // generator: half a second apart, each fan-out ends before the next starts (no queueing).
      intervalMs: full ? 500 : 100,
      fullFraction: 0.01,
      cheapWorkers: full ? 4 : 2,
      cheapNice: 10,
      connectConcurrency: 64,
      readyTimeoutMs: 60_000,
      settleMs: 3000,
      stallMs: full ? 10_000 : 5000,
      workerMaxMs: 15 * 60_000,
    },
    sends: {
      senders: full ? 4 : 2,
      window: full ? 16 : 8,
      warmupMs: full ? 3000 : 2000,
      durationMs: full ? 15_000 : 5000,
      textChars: 64,
      readyTimeoutMs: 30_000,
      drainMs: 10_000,
    },
    profile: false,
    prepareOnly: false,
    stateDir: join(base, 'state'),
    outDir: join(base, 'results'),
    sourceFirst: 10,
    sourceLast: 99,
    maxMinutes: full ? 45 : 20,
    redisUrl: process.env.PARLEY_REDIS_URL || 'redis://127.0.0.1:56379',
    parleyRoot: null,
  };
}

export const USAGE = `usage: node dist/bench/run.js [--mode quick|full] [options]
  --targets parley,bare-uws,socketio   targets to run, interleaved per round
  --scenarios fanout,sends             capacity + fan-out rounds; Parley persisted sends
  --rounds N                           rounds per target (quote medians of >= 3; 0 with --profile: profile only)
  --connections N --members N          receivers connected, and how many are in the fan-out group
  --messages N --warmup N --interval-ms N
  --workers N                          load-generator worker processes for cheap receivers
  --senders N --window N --duration-s N   persisted-sends scenario
  --profile                            one extra Parley round per scenario under node --cpu-prof
  --prepare-only                       register users and groups (argon2: slow, once per state dir), then stop
  --parley-root DIR                    run the Parley built in DIR/dist (e.g. a clean export of a commit) instead of this checkout's
  --state-dir DIR --out DIR --max-minutes N`;

function positiveInt(flag: string, raw: string | undefined, min = 1, max = 1_000_000): number {
  const n = Number(raw);
  if (raw === undefined || !Number.isInteger(n) || n < min || n > max) throw new Error(`${flag} needs an integer in [${min}, ${max}], got "${raw ?? ''}"`);
  return n;
}

function listOf<T extends string>(flag: string, raw: string | undefined, allowed: readonly T[]): T[] {
  const items = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new Error(`${flag} needs a comma list of ${allowed.join(', ')}`);
  for (const i of items) if (!allowed.includes(i as T)) throw new Error(`${flag}: unknown "${i}" (known: ${allowed.join(', ')})`);
  return items as T[];
}

/** Parses the command line over the mode's preset; every value is checked, nothing is guessed. */
export function parseArgs(argv: readonly string[]): BenchConfig {
  const modeAt = argv.indexOf('--mode');
  const mode = modeAt >= 0 ? argv[modeAt + 1] : 'quick';
  if (mode !== 'quick' && mode !== 'full') throw new Error(`--mode must be quick or full, got "${mode ?? ''}"`);
  const c = preset(mode);
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => argv[++i];
    switch (flag) {
      case '--mode':
        i++;
        break;
      case '--targets':
        c.targets = listOf(flag, value(), ALL_TARGETS);
        break;
      case '--scenarios':
        c.scenarios = listOf(flag, value(), ALL_SCENARIOS);
        break;
      case '--rounds':
        c.rounds = positiveInt(flag, value(), 0, 20);
        break;
      case '--connections':
        c.fanout.shape.connections = positiveInt(flag, value(), 1, 100_000);
        break;
      case '--members':
        c.fanout.shape.members = positiveInt(flag, value(), 0, 100_000);
        break;
      case '--messages':
        c.fanout.messages = positiveInt(flag, value(), 1, 10_000);
        break;
      case '--warmup':
        c.fanout.warmupMessages = positiveInt(flag, value(), 0, 1000);
        break;
      case '--interval-ms':
        c.fanout.intervalMs = positiveInt(flag, value(), 1, 60_000);
        break;
      case '--workers':
        c.fanout.cheapWorkers = positiveInt(flag, value(), 1, 16);
        break;
      case '--senders':
        c.sends.senders = positiveInt(flag, value(), 1, 64);
        break;
      case '--window':
        c.sends.window = positiveInt(flag, value(), 1, 1000);
        break;
      case '--duration-s':
        c.sends.durationMs = positiveInt(flag, value(), 1, 600) * 1000;
        break;
      case '--profile':
        c.profile = true;
        break;
      case '--prepare-only':
        c.prepareOnly = true;
        break;
      case '--state-dir':
        c.stateDir = value() ?? '';
        if (!c.stateDir) throw new Error('--state-dir needs a directory');
        break;
      case '--out':
        c.outDir = value() ?? '';
        if (!c.outDir) throw new Error('--out needs a directory');
        break;
      case '--parley-root':
        c.parleyRoot = value() ?? '';
        if (!c.parleyRoot) throw new Error('--parley-root needs a directory');
        break;
      case '--max-minutes':
        c.maxMinutes = positiveInt(flag, value(), 1, 180);
        break;
      default:
        throw new Error(`unknown argument "${flag}"\n${USAGE}`);
    }
  }
  if (c.rounds === 0 && !c.profile && !c.prepareOnly) throw new Error('--rounds 0 only makes sense with --profile or --prepare-only');
  if (c.fanout.shape.members > c.fanout.shape.connections) throw new Error('--members cannot exceed --connections');
  // Each worker holds its share of connections under the 20,000 open-file limit, with room to spare.
  const perWorker = Math.ceil(c.fanout.shape.connections / c.fanout.cheapWorkers);
  if (perWorker > 15_000) throw new Error(`${perWorker} connections per worker is too close to the open-file limit: add --workers`);
  return c;
}
