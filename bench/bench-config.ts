import { tmpdir } from 'node:os';
import { intArg } from './support/int-arg';
import { join } from 'node:path';
import { FanoutConfig } from './scenarios/fanout.scenario';
import { SendsConfig } from './scenarios/persisted-sends.scenario';
import { StormConfig } from './scenarios/reconnect-storm.scenario';
import { TargetName } from './targets/target';
import { applyReadinessFlag, checkReadiness, READINESS_USAGE, ReadinessConfig, readinessDefaults } from './readiness/readiness-config';

export type Scenario = 'fanout' | 'sends' | 'storm' | 'limits' | 'readiness';
export type Mode = 'quick' | 'full' | 'scale';

export interface BenchConfig {
  mode: Mode;
  targets: TargetName[];
  scenarios: Scenario[];
  rounds: number;
  /**
   * Socket-holding processes of the multi-process targets: the mesh's gateways, and the peers run as
   * that many processes (a process holds at most ~20,000 sockets here). Standalone Parley is one.
   */
  processes: number;
  fanout: FanoutConfig;
  sends: SendsConfig;
  storm: StormConfig;
  /** Seed 001's readiness bar on the mesh (`--scenarios readiness`, run alone). */
  readiness: ReadinessConfig;
  /** The data path's raw limits: how long each side runs, writes in flight (Cassandra), records of Kafka's unthrottled run. */
  limits: { durationMs: number; window: number; kafkaRecords: number };
  /** Access tokens must stay valid this long after a round starts (rounds at 100,000 connections are long). */
  tokenValidityMs: number;
  /** Extra, unmeasured Parley rounds under `node --cpu-prof`, summarized in the report. */
  profile: boolean;
  /** Heap snapshots (after a full GC) of the socket-holding processes, idle and connected, in every fan-out round. */
  heapSnapshots: boolean;
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

const ALL_TARGETS: TargetName[] = ['parley', 'parley-mesh', 'bare-uws', 'socketio'];
const ALL_SCENARIOS: Scenario[] = ['fanout', 'sends', 'storm', 'limits'];
/** Scenarios a run may name; `readiness` is never in a mode's default list. */
const KNOWN_SCENARIOS: Scenario[] = [...ALL_SCENARIOS, 'readiness'];

function preset(mode: Mode): BenchConfig {
  if (mode === 'scale') return scalePreset();
  const full = mode === 'full';
  const base = join(tmpdir(), 'parley-bench');
  return {
    mode,
    targets: [...ALL_TARGETS],
    scenarios: [...ALL_SCENARIOS],
    rounds: 3,
    processes: 1,
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
      maxSettleMs: full ? 45_000 : 15_000,
      stallMs: full ? 10_000 : 5000,
      workerMaxMs: 15 * 60_000,
    },
    sends: {
      senders: full ? 4 : 2,
      window: full ? 16 : 8,
      warmupMs: full ? 3000 : 2000,
      durationMs: full ? 15_000 : 5000,
      textChars: 64,
      ratePerSecond: 0,
      readyTimeoutMs: 30_000,
      drainMs: 10_000,
    },
    storm: {
      clients: full ? 10_000 : 2_000,
      missed: 20,
      cheapWorkers: 2,
      cheapNice: 10,
      connectConcurrency: 256,
      readyTimeoutMs: 120_000,
      stallMs: 15_000,
      workerMaxMs: 15 * 60_000,
    },
    readiness: readinessDefaults(),
    limits: { durationMs: full ? 15_000 : 6_000, window: 64, kafkaRecords: full ? 1_000_000 : 300_000 },
    tokenValidityMs: 6 * 60_000,
    profile: false,
    heapSnapshots: false,
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

/**
 * `--mode scale`: 100,000 connections over six socket-holding processes per target (the open-file
 * limit is 20,000 a process), a 100,000-member group, seven cheap load-generator workers. One round
 * per target: a round takes minutes (connecting 100,000 sockets through the mesh), and the figures
 * that matter here are capacity and the shape of the latency, not a median.
 */
function scalePreset(): BenchConfig {
  const c = preset('full');
  return {
    ...c,
    mode: 'scale',
    targets: ['parley-mesh', 'bare-uws', 'socketio'],
    scenarios: ['fanout'],
    rounds: 1,
    processes: 6,
    fanout: {
      ...c.fanout,
      shape: { connections: 100_000, members: 100_000 },
      messages: 10,
      warmupMessages: 3,
      // A 100,000-member message is about a second of CPU for the two cores: room for each to end.
      intervalMs: 3000,
      cheapWorkers: 7,
      connectConcurrency: 32,
      readyTimeoutMs: 180_000,
      settleMs: 5000,
      stallMs: 30_000,
      workerMaxMs: 40 * 60_000,
    },
    // What a round needs (connect, 13 messages 3 s apart, the 45-second memory reading), with room
    // for a slow connect phase. Shorter than 15 minutes minus the ~5 minutes that renewing 100,000
    // tokens takes, so the tokens renewed in prepare() are not renewed again before the round.
    tokenValidityMs: 8 * 60_000,
    maxMinutes: 90,
  };
}

export const USAGE = `usage: node dist/bench/run.js [--mode quick|full|scale] [options]
  --targets parley,parley-mesh,bare-uws,socketio   targets to run, interleaved per round
  --scenarios fanout,sends,storm,limits   capacity + fan-out rounds; persisted sends (Parley);
                                       reconnect storm; the data path's raw limits (Kafka, Cassandra)
  --rounds N                           rounds per target (quote medians of >= 3; 0 with --profile: profile only)
  --processes N                        mesh gateways, and processes per peer (1 to 8)
  --storm-clients N --storm-missed N   reconnect storm: clients, and messages they miss while away
  --connections N --members N          receivers connected, and how many are in the fan-out group
  --messages N --warmup N --interval-ms N
  --workers N                          load-generator worker processes for cheap receivers
  --senders N --window N --duration-s N   persisted-sends scenario
  --rate N                             persisted sends: paced at N sends/s in all (window = cap in flight per sender)
  --profile                            one extra round per Parley target and scenario under node --cpu-prof
  --heap-snapshots                     fan-out rounds also snapshot the socket holders' heaps (after a full GC),
                                       idle and connected: the heap a connection retains (slows the round)
  --prepare-only                       register users and groups (argon2: slow, once per state dir), then stop
  --parley-root DIR                    run the Parley built in DIR/dist (e.g. a clean export of a commit) instead of this checkout's
  --state-dir DIR --out DIR --max-minutes N
${READINESS_USAGE}`;


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
  if (mode !== 'quick' && mode !== 'full' && mode !== 'scale') throw new Error(`--mode must be quick, full or scale, got "${mode ?? ''}"`);
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
        c.scenarios = listOf(flag, value(), KNOWN_SCENARIOS);
        break;
      case '--rounds':
        c.rounds = intArg(flag, value(), 0, 20);
        break;
      case '--processes':
        c.processes = intArg(flag, value(), 1, 8);
        break;
      case '--storm-clients':
        c.storm.clients = intArg(flag, value(), 1, 100_000);
        break;
      case '--storm-missed':
        c.storm.missed = intArg(flag, value(), 1, 499);
        break;
      case '--connections':
        c.fanout.shape.connections = intArg(flag, value(), 1, 100_000);
        break;
      case '--members':
        c.fanout.shape.members = intArg(flag, value(), 0, 100_000);
        break;
      case '--messages':
        c.fanout.messages = intArg(flag, value(), 1, 10_000);
        break;
      case '--warmup':
        c.fanout.warmupMessages = intArg(flag, value(), 0, 1000);
        break;
      case '--interval-ms':
        c.fanout.intervalMs = intArg(flag, value(), 1, 60_000);
        break;
      case '--workers':
        c.fanout.cheapWorkers = intArg(flag, value(), 1, 16);
        break;
      case '--senders':
        c.sends.senders = intArg(flag, value(), 1, 64);
        break;
      case '--window':
        c.sends.window = intArg(flag, value(), 1, 1000);
        break;
      case '--rate':
        c.sends.ratePerSecond = intArg(flag, value(), 1, 100_000);
        break;
      case '--duration-s':
        c.sends.durationMs = intArg(flag, value(), 1, 600) * 1000;
        break;
      case '--profile':
        c.profile = true;
        break;
      case '--heap-snapshots':
        c.heapSnapshots = true;
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
        c.maxMinutes = intArg(flag, value(), 1, 180);
        break;
      default:
        if (flag.startsWith('--ready-') && applyReadinessFlag(c.readiness, flag, value())) break;
        throw new Error(`unknown argument "${flag}"\n${USAGE}`);
    }
  }
  if (c.scenarios.includes('readiness')) {
    if (c.scenarios.length > 1) throw new Error('--scenarios readiness runs alone (it starts its own mesh)');
    checkReadiness(c.readiness, c.processes);
  }
  if (c.rounds === 0 && !c.profile && !c.prepareOnly) throw new Error('--rounds 0 only makes sense with --profile or --prepare-only');
  if (c.fanout.shape.members > c.fanout.shape.connections) throw new Error('--members cannot exceed --connections');
  // Each worker holds its share of connections under the 20,000 open-file limit, with room to spare.
  const perWorker = Math.ceil(c.fanout.shape.connections / c.fanout.cheapWorkers);
  if (perWorker > 15_000) throw new Error(`${perWorker} connections per worker is too close to the open-file limit: add --workers`);
  const perProcess = Math.ceil(c.fanout.shape.connections / c.processes);
  const oneProcess = c.targets.filter((t) => t === 'parley');
  if (perProcess > 18_000 || (oneProcess.length > 0 && c.fanout.shape.connections > 18_000)) {
    throw new Error(`${c.fanout.shape.connections} connections need more socket-holding processes (--processes; standalone Parley is one process)`);
  }
  if (Math.ceil(c.storm.clients / c.storm.cheapWorkers) > 15_000) throw new Error('--storm-clients: too many clients for the storm workers');
  return c;
}
