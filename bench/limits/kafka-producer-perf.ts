import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { loadAverage1m } from '../metrics/proc-stat';
import { cpuSecondsOrNaN, infraServerPid, reapedChildrenCpuSeconds } from './infra-processes';
import { KafkaPerfSummary, parseProducerPerfSummary } from './kafka-perf-output';

/**
 * Kafka's own producer benchmark (ProducerPerformance, through `parley-infra kafka-perf`) against a
 * topic made for the run with the partitions, replication and min.insync.replicas of Parley's
 * ingress topic, producing records of a Parley send's size with Parley's producer guarantees:
 * acks=all, idempotent, one request in flight per broker (kafkajs as KafkaEventLog configures it),
 * sent as soon as the previous request returns (linger.ms=0, like its AppendBatcher's group commit).
 * Two runs: unthrottled (the ceiling; its latency is mostly the producer's own queue) and paced at a
 * fixed rate (the per-record latency when the broker is not saturated).
 */

/** Parley's ingress topic: the settings the fresh topic copies when it exists. */
export const PARLEY_INGRESS_TOPIC = 'parley.ingress.v1';

export interface TopicSettings {
  partitions: number;
  replicationFactor: number;
  /** min.insync.replicas set on the topic, or null when the broker default applies. */
  minInsyncReplicas: number | null;
  /** Where the settings came from: the live topic, or Parley's config defaults. */
  source: string;
}

export interface KafkaPerfRun {
  label: 'ceiling' | 'paced';
  /** --throughput given to the tool (-1: unthrottled). */
  throughput: number;
  numRecords: number;
  summary: KafkaPerfSummary | null;
  wallSeconds: number;
  brokerCpuSeconds: number;
  /** The perf tool's own JVM (the client side), start-up and JIT included. */
  clientCpuSeconds: number;
  loadAverage: number;
  error?: string;
}

export interface KafkaProducerPerfResult {
  brokers: string;
  topic: string;
  topicSettings: TopicSettings;
  recordBytes: number;
  producerProps: string[];
  brokerPid: number | null;
  runs: KafkaPerfRun[];
}

export interface KafkaProducerPerfOptions {
  repoRoot: string;
  brokers: string;
  recordBytes: number;
  /** Records of the unthrottled run (it ends when they are all acknowledged). */
  ceilingRecords: number;
  /** Records per second of the paced run, and how long it lasts. */
  pacedRate: number;
  pacedDurationMs: number;
  /** Each tool run is killed (by its pid) after this long. */
  runTimeoutMs: number;
  log: (line: string) => void;
}

/** Parley's producer settings in ProducerPerformance's terms (everything else: the Java client's defaults). */
export function parleyLikeProducerProps(brokers: string): string[] {
  return [
    `bootstrap.servers=${brokers}`,
    'acks=all',
    'enable.idempotence=true',
    'max.in.flight.requests.per.connection=1',
    'linger.ms=0',
    'batch.size=16384',
    'compression.type=none',
    'client.id=parley-limits',
  ];
}

/** Reads partitions, replication and min.insync.replicas from `kafka-topics --describe` output. */
export function parseTopicDescription(output: string, topic: string): TopicSettings | null {
  const line = output.split(/\r?\n/).find((l) => l.includes(`Topic: ${topic}\t`) && l.includes('PartitionCount:'));
  if (!line) return null;
  const partitions = Number(/PartitionCount:\s*(\d+)/.exec(line)?.[1]);
  const replicationFactor = Number(/ReplicationFactor:\s*(\d+)/.exec(line)?.[1]);
  const isr = /min\.insync\.replicas=(\d+)/.exec(line);
  if (!Number.isInteger(partitions) || partitions < 1 || !Number.isInteger(replicationFactor) || replicationFactor < 1) return null;
  return { partitions, replicationFactor, minInsyncReplicas: isr ? Number(isr[1]) : null, source: `live topic ${topic}` };
}

/** PARLEY_LOG_PARTITIONS / PARLEY_KAFKA_REPLICATION_FACTOR as Parley reads them (defaults 16 and 1). */
export function configuredTopicSettings(env: NodeJS.ProcessEnv = process.env): TopicSettings {
  const int = (name: string, fallback: number, max: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${name} must be an integer in 1..${max}, got "${raw}"`);
    return n;
  };
  return {
    partitions: int('PARLEY_LOG_PARTITIONS', 16, 1024),
    replicationFactor: int('PARLEY_KAFKA_REPLICATION_FACTOR', 1, 7),
    minInsyncReplicas: null,
    source: 'Parley config (PARLEY_LOG_PARTITIONS, PARLEY_KAFKA_REPLICATION_FACTOR)',
  };
}

interface ToolResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  timedOut: boolean;
}

/** Runs `parley-infra <args>` and collects stdout + stderr; killed by its own pid at the deadline. */
function runInfra(repoRoot: string, args: string[], timeoutMs: number): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(repoRoot, 'infra', 'bin', 'parley-infra'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let size = 0;
    const keep = (b: Buffer) => {
      // Progress lines every 5 s: a run's output is a few KiB; keep at most 1 MiB whatever happens.
      if (size < 1 << 20) chunks.push(b);
      size += b.length;
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    let killer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (killer) clearTimeout(killer);
      resolve({ code, signal, output: Buffer.concat(chunks).toString('utf8'), timedOut });
    });
  });
}

function failure(what: string, r: ToolResult): Error {
  const why = r.timedOut ? 'timed out' : `exited with ${r.code ?? r.signal}`;
  return new Error(`${what} ${why}: ${r.output.trim().split('\n').slice(-3).join(' | ').slice(0, 600)}`);
}

/** The settings of Parley's live ingress topic, or Parley's configured defaults when it does not exist yet. */
async function parleyTopicSettings(o: KafkaProducerPerfOptions): Promise<TopicSettings> {
  const r = await runInfra(o.repoRoot, ['kafka-topics', '--bootstrap-server', o.brokers, '--describe', '--topic', PARLEY_INGRESS_TOPIC], 60_000);
  const live = r.code === 0 ? parseTopicDescription(r.output, PARLEY_INGRESS_TOPIC) : null;
  if (live) return live;
  o.log(`  ${PARLEY_INGRESS_TOPIC} not found: using Parley's configured topic settings`);
  return configuredTopicSettings();
}

async function runOne(o: KafkaProducerPerfOptions, topic: string, label: KafkaPerfRun['label'], throughput: number, numRecords: number, brokerPid: number | null): Promise<KafkaPerfRun> {
  const args = ['kafka-perf', '--topic', topic, '--num-records', String(numRecords), '--record-size', String(o.recordBytes), '--throughput', String(throughput)];
  args.push('--producer-props', ...parleyLikeProducerProps(o.brokers));
  const loadAverage = loadAverage1m();
  const broker0 = cpuSecondsOrNaN(brokerPid);
  const client0 = reapedChildrenCpuSeconds();
  const t0 = process.hrtime.bigint();
  const r = await runInfra(o.repoRoot, args, o.runTimeoutMs);
  const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const run: KafkaPerfRun = {
    label,
    throughput,
    numRecords,
    summary: null,
    wallSeconds,
    brokerCpuSeconds: cpuSecondsOrNaN(brokerPid) - broker0,
    clientCpuSeconds: reapedChildrenCpuSeconds() - client0,
    loadAverage,
  };
  try {
    if (r.code !== 0 || r.timedOut) throw failure('kafka-perf', r);
    run.summary = parseProducerPerfSummary(r.output);
    if (run.summary.records !== numRecords) run.error = `${run.summary.records} of ${numRecords} records acknowledged`;
  } catch (e) {
    run.error = e instanceof Error ? e.message : String(e);
  }
  return run;
}

/** Creates the topic, runs the ceiling then the paced run, deletes the topic (also on failure). */
export async function runKafkaProducerPerf(o: KafkaProducerPerfOptions): Promise<KafkaProducerPerfResult> {
  if (!/^[^\s,]+:\d+(,[^\s,]+:\d+)*$/.test(o.brokers)) throw new Error(`kafka brokers must be host:port[,host:port...], got "${o.brokers}"`);
  for (const [name, v] of Object.entries({ recordBytes: o.recordBytes, ceilingRecords: o.ceilingRecords, pacedRate: o.pacedRate, pacedDurationMs: o.pacedDurationMs, runTimeoutMs: o.runTimeoutMs })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
  }
  const broker = infraServerPid('kafka');
  if (broker.pid === null) o.log(`  kafka broker CPU not measured: ${broker.reason}`);
  const topicSettings = await parleyTopicSettings(o);
  const topic = `parley.limits.${Date.now()}.${process.pid}`;
  const create = ['kafka-topics', '--bootstrap-server', o.brokers, '--create', '--topic', topic];
  create.push('--partitions', String(topicSettings.partitions), '--replication-factor', String(topicSettings.replicationFactor));
  if (topicSettings.minInsyncReplicas !== null) create.push('--config', `min.insync.replicas=${topicSettings.minInsyncReplicas}`);
  const created = await runInfra(o.repoRoot, create, 60_000);
  if (created.code !== 0) throw failure(`creating topic ${topic}`, created);
  const result: KafkaProducerPerfResult = {
    brokers: o.brokers,
    topic,
    topicSettings,
    recordBytes: o.recordBytes,
    producerProps: parleyLikeProducerProps(o.brokers).filter((p) => !p.startsWith('bootstrap.servers=')),
    brokerPid: broker.pid,
    runs: [],
  };
  try {
    o.log(`  kafka ceiling: ${o.ceilingRecords} records of ${o.recordBytes} B, unthrottled, into ${topic} (${topicSettings.partitions} partitions, RF ${topicSettings.replicationFactor})`);
    result.runs.push(await runOne(o, topic, 'ceiling', -1, o.ceilingRecords, broker.pid));
    const pacedRecords = Math.max(1, Math.round((o.pacedRate * o.pacedDurationMs) / 1000));
    o.log(`  kafka paced: ${pacedRecords} records at ${o.pacedRate}/s`);
    result.runs.push(await runOne(o, topic, 'paced', o.pacedRate, pacedRecords, broker.pid));
  } finally {
    const deleted = await runInfra(o.repoRoot, ['kafka-topics', '--bootstrap-server', o.brokers, '--delete', '--topic', topic], 60_000);
    if (deleted.code !== 0) o.log(`  could not delete topic ${topic}: ${failure('kafka-topics --delete', deleted).message}`);
  }
  return result;
}
