import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BenchConfig, parseArgs, USAGE } from './bench-config';
import { SourceAddresses } from './loadgen/source-addresses';
import { newestProfile, summarizeProfile } from './profile/cpuprofile-summary';
import { renderDataPathLimits, runDataPathLimits } from './limits/data-path-limits';
import { describeEnvironment } from './report/environment';
import { BenchReport, renderMarkdown } from './report/summary';
import { FanoutRound, runFanoutRound } from './scenarios/fanout.scenario';
import { runSendsRound } from './scenarios/persisted-sends.scenario';
import { runStormRound } from './scenarios/reconnect-storm.scenario';
import { runReadiness } from './scenarios/readiness.scenario';
import { renderReadiness } from './readiness/readiness-report';
import { BareUwsTarget } from './targets/bare-uws.target';
import { MeshDeployment, parseExports } from './targets/parley/mesh.deployment';
import { ParleyTarget } from './targets/parley/parley.target';
import { StandaloneDeployment } from './targets/parley/standalone.deployment';
import { ServerProcess } from './targets/server-process';
import { SocketIoTarget } from './targets/socketio.target';
import { BenchTarget, FanoutShape, TargetName } from './targets/target';

/**
 * `npm run bench` / `npm run bench:full`: Parley (standalone and mesh) beside bare uWebSockets.js
 * and Socket.IO with its Redis adapter, same scenario, same run, interleaved A B C A B C; medians
 * and ratios; optional CPU profiles of Parley. Every process it starts is bounded in time and
 * stopped by its pid; the data systems (infra/bin/parley-infra) are started if needed and left running.
 */

/** dist/bench/run.js -> the repository root. */
const REPO_ROOT = resolve(__dirname, '..', '..');

const log = (line: string) => process.stderr.write(`${line}\n`);

function buildTargets(c: BenchConfig): Map<TargetName, BenchTarget> {
  const parleyRoot = c.parleyRoot ? resolve(c.parleyRoot) : REPO_ROOT;
  const parleyOptions = (stateDir: string) => ({
    stateDir,
    sendSenders: c.scenarios.includes('sends') ? c.sends.senders : 0,
    tokenValidityMs: c.tokenValidityMs,
  });
  const all = new Map<TargetName, BenchTarget>();
  for (const name of c.targets) {
    if (name === 'parley') all.set(name, new ParleyTarget(new StandaloneDeployment(parleyRoot, join(c.stateDir, 'data')), parleyOptions(c.stateDir)));
    else if (name === 'parley-mesh') {
      const mesh = new MeshDeployment({ parleyRoot, gateways: c.processes, messagingReplicas: 2 });
      all.set(name, new ParleyTarget(mesh, parleyOptions(join(c.stateDir, 'mesh'))));
    } else if (name === 'bare-uws') all.set(name, new BareUwsTarget(c.processes));
    else all.set(name, new SocketIoTarget(REPO_ROOT, c.redisUrl, c.processes));
  }
  return all;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const c = parseArgs(argv);
  const deadline = setTimeout(() => {
    log(`bench: ${c.maxMinutes} minute bound reached; stopping everything it started`);
    ServerProcess.killAllStarted();
    process.exit(4);
  }, c.maxMinutes * 60_000);
  deadline.unref();

  if (c.scenarios.includes('readiness')) return readiness(c, argv);
  const targets = buildTargets(c);
  const env = describeEnvironment(REPO_ROOT, c.parleyRoot ? resolve(c.parleyRoot) : REPO_ROOT, `node dist/bench/run.js ${argv.join(' ')}`.trim());
  log(`bench ${c.mode}: targets ${c.targets.join(', ')}; scenarios ${c.scenarios.join(', ')}; ${c.rounds} rounds; ${c.processes} process(es) per multi-process target; state in ${c.stateDir}`);

  const shapes: FanoutShape[] = [];
  if (c.scenarios.includes('fanout')) shapes.push(c.fanout.shape);
  if (c.scenarios.includes('storm')) shapes.push({ connections: c.storm.clients, members: c.storm.clients });
  if (shapes.length === 0) shapes.push({ connections: 0, members: 0 });
  for (const t of targets.values()) for (const shape of shapes) await t.prepare(shape, log);
  if (c.prepareOnly) {
    log('prepared; stopping (--prepare-only)');
    return;
  }

  const addresses = new SourceAddresses(c.sourceFirst, c.sourceLast);
  mkdirSync(c.outDir, { recursive: true });
  const report: BenchReport = { environment: env, config: c, fanoutRounds: [], sendsRounds: [], stormRounds: [], limits: null, limitsMarkdown: null, profiles: [] };
  const parleys = [...targets.values()].filter((t): t is ParleyTarget => t instanceof ParleyTarget);

  if (c.scenarios.includes('fanout')) {
    for (let round = 1; round <= c.rounds; round++) {
      for (const t of targets.values()) {
        log(`round ${round}: ${t.name}`);
        const heapSnapshotDir = c.heapSnapshots ? mkdtempSync(join(c.outDir, `heap-${t.name}-`)) : undefined;
        report.fanoutRounds.push(await runFanoutRound(t, round, c.fanout, addresses, { heapSnapshotDir }, log));
      }
    }
  }
  if (c.scenarios.includes('sends')) {
    for (let round = 1; round <= c.rounds; round++) {
      for (const t of parleys) {
        log(`persisted sends round ${round}: ${t.name}`);
        const r = await runSendsRound(t, round, c.sends, addresses, {});
        log(`  ${Math.round(r.sendsPerSecond)} sends/s, persisted ack p50 ${r.persistedAckMs.p50.toFixed(1)} ms p99 ${r.persistedAckMs.p99.toFixed(1)} ms${r.error ? ` (${r.error})` : ''}`);
        report.sendsRounds.push(r);
      }
    }
  }
  if (c.scenarios.includes('storm')) {
    for (let round = 1; round <= c.rounds; round++) {
      for (const t of targets.values()) {
        log(`reconnect storm round ${round}: ${t.name}`);
        report.stormRounds.push(await runStormRound(t, round, c.storm, addresses, log));
      }
    }
  }
  if (c.scenarios.includes('limits')) {
    log('data path limits: Kafka producer perf tool, then a plain cassandra-driver write loop');
    const infra = join(REPO_ROOT, 'infra', 'bin', 'parley-infra');
    execFileSync(infra, ['start', 'kafka', 'cassandra'], { stdio: 'inherit', timeout: 10 * 60_000 });
    const infraEnv = parseExports(execFileSync(infra, ['env'], { encoding: 'utf8', timeout: 30_000 }));
    report.limits = await runDataPathLimits({
      repoRoot: REPO_ROOT,
      cassandraContactPoints: infraEnv.PARLEY_CASSANDRA_CONTACT_POINTS ?? '127.0.0.1:9042',
      kafkaBrokers: infraEnv.PARLEY_KAFKA_BROKERS ?? '127.0.0.1:9092',
      durationMs: c.limits.durationMs,
      window: c.limits.window,
      kafkaCeilingRecords: c.limits.kafkaRecords,
      log,
    });
    report.limitsMarkdown = renderDataPathLimits(report.limits);
  }
  if (c.profile) for (const t of parleys) await profileParley(c, t, addresses, report);

  const stamp = env.date.replace(/[:.]/g, '-');
  const base = join(c.outDir, `bench-${c.mode}-${stamp}`);
  writeFileSync(`${base}.json`, JSON.stringify(report, null, 2));
  const md = renderMarkdown(report);
  writeFileSync(`${base}.md`, md);
  process.stdout.write(`${md}\n`);
  log(`results: ${base}.json and ${base}.md`);
}

/** Seed 001's readiness bar on a mesh of `--processes` gateways: one run, its own results files. */
async function readiness(c: BenchConfig, argv: string[]): Promise<void> {
  const mesh = new MeshDeployment({ parleyRoot: c.parleyRoot ? resolve(c.parleyRoot) : REPO_ROOT, gateways: c.processes, messagingReplicas: 2 });
  mkdirSync(c.outDir, { recursive: true });
  const r = await runReadiness(mesh, join(c.stateDir, 'mesh'), c.outDir, c.readiness, log);
  const base = join(c.outDir, `readiness-${r.date.replace(/[:.]/g, '-')}`);
  writeFileSync(`${base}.json`, JSON.stringify(r, null, 2));
  const md = renderReadiness(r, `node dist/bench/run.js ${argv.join(' ')}`.trim());
  writeFileSync(`${base}.md`, md);
  process.stdout.write(`${md}\n`);
  log(`results: ${base}.json and ${base}.md`);
  if (r.error) throw new Error(r.error);
}

/**
 * One unmeasured round per Parley target and scenario under --cpu-prof; the summary keeps the
 * measured window only. In the mesh every process is profiled, and the report summarizes the one
 * that did the work: the first gateway for connect and fan-out, the busiest messaging replica for sends.
 */
async function profileParley(c: BenchConfig, parley: ParleyTarget, addresses: SourceAddresses, report: BenchReport): Promise<void> {
  const toUs = (w: [string, string] | null): [number, number] | null => (w ? [Number(BigInt(w[0]) / 1000n), Number(BigInt(w[1]) / 1000n)] : null);
  const mesh = parley.name === 'parley-mesh';
  if (c.scenarios.includes('fanout')) {
    const dir = mkdtempSync(join(c.outDir, `profile-${parley.name}-fanout-`));
    log(`profiled round: ${parley.name} fan-out`);
    const r: FanoutRound = await runFanoutRound(parley, 0, c.fanout, addresses, { cpuProfileDir: dir }, log);
    const file = newestProfile(dir, mesh ? r.namedPids.gateway : undefined);
    const who = mesh ? `${parley.name} gateway` : parley.name;
    if (file) {
      const shape = `${c.fanout.shape.connections} connections, ${c.fanout.shape.members} members`;
      report.profiles.push({ scenario: `${who}, connect phase (${shape})`, summary: summarizeProfile(file, toUs(r.connectWindowNs)) });
      report.profiles.push({ scenario: `${who}, fan-out phase (${shape})`, summary: summarizeProfile(file, toUs(r.windowNs)) });
    } else log(`  no profile written in ${dir}`);
    // Connection setup costs every mesh process something: the other processes' connect phase too.
    for (const [name, pid] of mesh ? Object.entries(r.namedPids).filter(([n]) => n !== 'gateway') : []) {
      const other = newestProfile(dir, pid);
      if (other) report.profiles.push({ scenario: `${parley.name} ${name}, connect phase`, summary: summarizeProfile(other, toUs(r.connectWindowNs), 10) });
    }
  }
  if (c.scenarios.includes('sends')) {
    const dir = mkdtempSync(join(c.outDir, `profile-${parley.name}-sends-`));
    log(`profiled round: ${parley.name} persisted sends`);
    const r = await runSendsRound(parley, 0, c.sends, addresses, { cpuProfileDir: dir });
    log(`  ${Math.round(r.sendsPerSecond)} sends/s${r.error ? ` (${r.error})` : ''}`);
    const busiest = Object.entries(r.cpuByProcess)
      .filter(([name]) => name.startsWith('messaging'))
      .sort((x, y) => y[1] - x[1])[0]?.[0];
    const file = newestProfile(dir, mesh && busiest ? r.namedPids[busiest] : undefined);
    const who = mesh && busiest ? `${parley.name} ${busiest}` : parley.name;
    if (file) report.profiles.push({ scenario: `${who}, persisted sends (${c.sends.senders} senders x ${c.sends.window} in flight)`, summary: summarizeProfile(file, toUs(r.windowNs)) });
    else log(`  no profile written in ${dir}`);
  }
  if (c.scenarios.includes('storm')) {
    const dir = mkdtempSync(join(c.outDir, `profile-${parley.name}-storm-`));
    log(`profiled round: ${parley.name} reconnect storm`);
    const r = await runStormRound(parley, 0, c.storm, addresses, log, { cpuProfileDir: dir });
    // Every process a reconnect touches, the gateway first.
    const named: Array<[string, number | undefined]> = mesh
      ? Object.entries(r.namedPids).sort(([a], [b]) => (a === 'gateway' ? -1 : b === 'gateway' ? 1 : 0))
      : [[parley.name, undefined]];
    for (const [name, pid] of named) {
      const file = newestProfile(dir, pid);
      if (file) report.profiles.push({ scenario: `${mesh ? `${parley.name} ${name}` : parley.name}, reconnect storm (${c.storm.clients} clients x ${c.storm.missed} missed)`, summary: summarizeProfile(file, toUs(r.windowNs), mesh && name !== 'gateway' ? 10 : undefined) });
    }
  }
}

process.on('SIGINT', () => {
  ServerProcess.killAllStarted();
  process.exit(130);
});
process.on('SIGTERM', () => {
  ServerProcess.killAllStarted();
  process.exit(143);
});

main().then(
  () => process.exit(0),
  (err: unknown) => {
    log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    ServerProcess.killAllStarted();
    process.exit(1);
  },
);
