import { cpus } from 'node:os';
import { loadAverage1m } from '../metrics/proc-stat';
import { CassandraWriteLoopResult, runCassandraWriteLoop } from './cassandra-write-loop';
import { idleCpuRate, infraServerPid } from './infra-processes';
import { KafkaProducerPerfResult, runKafkaProducerPerf } from './kafka-producer-perf';
import { DEFAULT_TEXT_CHARS, parleySendSizes, ParleySendSizes } from './parley-record-sizes';

/**
 * The raw limits of the two stores under Parley's mesh send path, each driven without Parley:
 * Kafka (what the gateway and the sequencer append to) and Cassandra (where the sequencer writes
 * the message row), with Parley's record sizes, topic, table and client settings. Parley's own
 * persisted-sends figure is judged against these: how far below the stores' ceilings it sits.
 */

export interface DataPathLimitsOptions {
  repoRoot: string;
  /** host:port, comma separated. */
  cassandraContactPoints: string;
  /** host:port, comma separated. */
  kafkaBrokers: string;
  /** Measured time of the Cassandra loop, and of the paced Kafka run. */
  durationMs: number;
  /** Cassandra writes in flight. */
  window: number;
  log: (line: string) => void;
  /** Default: PARLEY_CASSANDRA_DC or datacenter1. */
  cassandraLocalDataCenter?: string;
  /** Parley's keyspace (replication copied from it). Default: PARLEY_CASSANDRA_KEYSPACE or parley. */
  parleyKeyspace?: string;
  /** Message text length. Default 64, as the persisted-sends scenario. */
  textChars?: number;
  /** Records of the unthrottled Kafka run. Default 1,000,000. */
  kafkaCeilingRecords?: number;
  /** Records per second of the paced Kafka run. Default 1,000. */
  kafkaPacedRate?: number;
  /** Cassandra warm-up before the measured window. Default 3 s. */
  warmupMs?: number;
}

export interface DataPathLimits {
  date: string;
  nproc: number;
  loadAverageAtStart: number;
  loadAverageAtEnd: number;
  sizes: ParleySendSizes;
  kafka: (KafkaProducerPerfResult & { brokerIdleCpuPerSecond: number }) | { error: string };
  cassandra: (CassandraWriteLoopResult & { idleCpuPerSecond: number }) | { error: string };
}

/** About 490 MB through the broker: a few seconds at the ceiling, long enough that the tool JVM's warm-up is a small part. */
export const DEFAULT_KAFKA_CEILING_RECORDS = 1_000_000;
export const DEFAULT_KAFKA_PACED_RATE = 1000;
const IDLE_SAMPLE_MS = 2000;
/** Each Kafka tool run is killed after this: the ceiling run ends in seconds on an idle 2-core machine. */
const KAFKA_RUN_TIMEOUT_MS = 120_000;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Kafka first, then Cassandra, one after the other so neither competes with the other for the cores. */
export async function runDataPathLimits(o: DataPathLimitsOptions): Promise<DataPathLimits> {
  const textChars = o.textChars ?? DEFAULT_TEXT_CHARS;
  const sizes = parleySendSizes(textChars);
  const result: DataPathLimits = {
    date: new Date().toISOString(),
    nproc: cpus().length,
    loadAverageAtStart: loadAverage1m(),
    loadAverageAtEnd: Number.NaN,
    sizes,
    kafka: { error: 'not run' },
    cassandra: { error: 'not run' },
  };
  o.log(`data path limits: Parley ingress record ${sizes.ingress.totalBytes} B, message.created ${sizes.event.totalBytes} B, row text ${sizes.messageRowTextBytes} B`);

  try {
    const brokerIdleCpuPerSecond = await idleCpuRate(infraServerPid('kafka').pid, IDLE_SAMPLE_MS);
    const kafka = await runKafkaProducerPerf({
      repoRoot: o.repoRoot,
      brokers: o.kafkaBrokers,
      recordBytes: sizes.ingress.totalBytes,
      ceilingRecords: o.kafkaCeilingRecords ?? DEFAULT_KAFKA_CEILING_RECORDS,
      pacedRate: o.kafkaPacedRate ?? DEFAULT_KAFKA_PACED_RATE,
      pacedDurationMs: o.durationMs,
      runTimeoutMs: KAFKA_RUN_TIMEOUT_MS,
      log: o.log,
    });
    result.kafka = { ...kafka, brokerIdleCpuPerSecond };
  } catch (e) {
    result.kafka = { error: message(e) };
    o.log(`  kafka failed: ${message(e)}`);
  }

  try {
    const idleCpuPerSecond = await idleCpuRate(infraServerPid('cassandra').pid, IDLE_SAMPLE_MS);
    const cassandra = await runCassandraWriteLoop({
      contactPoints: o.cassandraContactPoints,
      localDataCenter: o.cassandraLocalDataCenter ?? (process.env.PARLEY_CASSANDRA_DC || 'datacenter1'),
      parleyKeyspace: o.parleyKeyspace ?? (process.env.PARLEY_CASSANDRA_KEYSPACE || 'parley'),
      window: o.window,
      warmupMs: o.warmupMs ?? 3000,
      durationMs: o.durationMs,
      textChars,
      log: o.log,
    });
    result.cassandra = { ...cassandra, idleCpuPerSecond };
  } catch (e) {
    result.cassandra = { error: message(e) };
    o.log(`  cassandra failed: ${message(e)}`);
  }
  result.loadAverageAtEnd = loadAverage1m();
  return result;
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
/** CPU microseconds per operation. */
const usPer = (cpuSeconds: number, ops: number) => (ops > 0 ? int((cpuSeconds * 1e6) / ops) : 'n/a');

/** The figures as Markdown: absolute numbers, each with the exact settings that produced it. */
export function renderDataPathLimits(r: DataPathLimits): string {
  const s = r.sizes;
  const out: string[] = [];
  out.push(`### Data path limits, ${r.date}`, '');
  out.push(`- Machine: ${r.nproc} cores, shared; 1-minute load average ${fmt(r.loadAverageAtStart, 2)} at the start, ${fmt(r.loadAverageAtEnd, 2)} at the end.`);
  out.push(
    `- A Parley send of ${s.textChars} text characters: ingress record ${s.ingress.totalBytes} B (key ${s.ingress.keyBytes} + JSON value ${s.ingress.valueBytes} + headers ${s.ingress.headerBytes}), ` +
      `message.created record ${s.event.totalBytes} B; message row ${s.messageRowTextBytes} B of text columns plus bucket, seq and created_at. ` +
      'Each persisted send costs Parley two Kafka appends (ingress, events) and one message-row write (plus two reads and an index write).',
  );
  out.push('');

  out.push('#### Kafka producer (ProducerPerformance)', '');
  if ('error' in r.kafka) out.push(`Not measured: ${r.kafka.error}`, '');
  else {
    const k = r.kafka;
    const t = k.topicSettings;
    out.push(
      `Topic \`${k.topic}\` (deleted after): ${t.partitions} partitions, replication factor ${t.replicationFactor}, min.insync.replicas ${t.minInsyncReplicas ?? 'broker default'} (from ${t.source}); ` +
        `brokers ${k.brokers}; records of ${k.recordBytes} B, no key; producer \`${k.producerProps.join(' ')}\`. ` +
        `Broker CPU at rest before the runs: ${fmt(k.brokerIdleCpuPerSecond, 2)} CPU-s/s.`,
      '',
    );
    out.push('| run | records | records/s | MB/s | latency avg / p50 / p95 / p99 / p99.9 / max ms | wall s | broker CPU s (µs / record) | perf-tool CPU s | load | note |');
    out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const run of k.runs) {
      const m = run.summary;
      const rate = run.throughput < 0 ? 'unthrottled' : `paced ${int(run.throughput)}/s`;
      const lat = m ? `${fmt(m.avgLatencyMs)} / ${fmt(m.p50Ms, 0)} / ${fmt(m.p95Ms, 0)} / ${fmt(m.p99Ms, 0)} / ${fmt(m.p999Ms, 0)} / ${fmt(m.maxLatencyMs, 0)}` : 'n/a';
      out.push(
        `| ${run.label} (${rate}) | ${m ? int(m.records) : `0 / ${int(run.numRecords)}`} | ${m ? int(m.recordsPerSecond) : 'n/a'} | ${m ? fmt(m.mbPerSecond, 2) : 'n/a'} | ${lat} | ${fmt(run.wallSeconds)} | ${fmt(run.brokerCpuSeconds, 2)} (${usPer(run.brokerCpuSeconds, m?.records ?? 0)}) | ${fmt(run.clientCpuSeconds, 2)} | ${fmt(run.loadAverage, 2)} | ${run.error ?? ''} |`,
      );
    }
    out.push('');
  }

  out.push('#### Cassandra message-row writes (cassandra-driver loop)', '');
  if ('error' in r.cassandra) out.push(`Not measured: ${r.cassandra.error}`, '');
  else {
    const c = r.cassandra;
    const repl = Object.entries(c.replication).map(([k, v]) => `${k}=${v}`).join(', ');
    out.push(
      `Keyspace \`${c.keyspace}\` (dropped after), replication {${repl}} (from ${c.replicationSource}); Parley's messages_by_conversation DDL; prepared INSERT of all 8 columns, ` +
        `${c.consistency}, idempotent; ${c.window} writers, one conversation each, seqs in order; ${fmt(c.warmupMs / 1000)} s warm-up, ${fmt(c.durationMs / 1000)} s measured; ` +
        `contact points ${c.contactPoints}. Cassandra CPU at rest before the run: ${fmt(c.idleCpuPerSecond, 2)} CPU-s/s.`,
      '',
    );
    out.push('| writes in flight | writes | writes/s | latency p50 / p99 / max ms | errors | Cassandra CPU s (µs / write) | client CPU s | load | note |');
    out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    out.push(
      `| ${c.window} | ${int(c.writes)} | ${int(c.writesPerSecond)} | ${fmt(c.latencyMs.p50, 2)} / ${fmt(c.latencyMs.p99, 2)} / ${fmt(c.latencyMs.max, 2)} | ${c.errors} | ${fmt(c.cassandraCpuSeconds, 2)} (${usPer(c.cassandraCpuSeconds, c.writes)}) | ${fmt(c.clientCpuSeconds, 2)} | ${fmt(c.loadAverage, 2)} | ${c.firstError ?? ''} |`,
    );
    out.push('');
  }
  return out.join('\n');
}
