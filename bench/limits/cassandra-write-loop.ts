import { randomUUID } from 'node:crypto';
import { bucketOf, messageStoreTables } from '@parley/adapters';
import { Client, types } from 'cassandra-driver';
import { summarizeLatencies, LatencySummary } from '../metrics/stats';
import { loadAverage1m } from '../metrics/proc-stat';
import { cpuSecondsOrNaN, infraServerPid } from './infra-processes';

/**
 * The ceiling of Parley's message-row write, without Parley: a plain cassandra-driver loop that
 * writes rows of a Parley message's size into a table made by Parley's own DDL
 * (messageStoreTables: same columns, (conversation_id, bucket) partitions clustered by seq), in a
 * keyspace of its own with the replication of Parley's keyspace, with the same prepared INSERT,
 * LOCAL_QUORUM and idempotent flag as CassandraMessageStore. W writers each own one conversation
 * and write its seqs in order (as Parley's sequencer does per conversation), one write in flight
 * each, so W writes are in flight. The keyspace is dropped at the end.
 *
 * What it leaves out: CassandraMessageStore.insert also reads twice (the seq and the
 * client_msg_id index) and writes the client_msg_id index row before the message row.
 */

export interface CassandraWriteLoopOptions {
  /** host:port, comma separated. */
  contactPoints: string;
  localDataCenter: string;
  /** Parley's keyspace, whose replication the loop's keyspace copies (if it exists). */
  parleyKeyspace: string;
  window: number;
  warmupMs: number;
  durationMs: number;
  /** Text length of each message body (stored as JSON, as Parley stores it). */
  textChars: number;
  log: (line: string) => void;
}

export interface CassandraWriteLoopResult {
  contactPoints: string;
  keyspace: string;
  /** The replication map used, and where it came from. */
  replication: Record<string, string>;
  replicationSource: string;
  consistency: 'LOCAL_QUORUM';
  window: number;
  warmupMs: number;
  durationMs: number;
  textChars: number;
  /** Bytes of the text columns of each row (four UUIDs and the JSON body). */
  rowTextBytes: number;
  /** Writes completed inside the measured window. */
  writes: number;
  writesPerSecond: number;
  /** Latency of the writes started inside the window. */
  latencyMs: LatencySummary;
  errors: number;
  firstError?: string;
  cassandraPid: number | null;
  cassandraCpuSeconds: number;
  /** This Node process over the window (the driver, the client side). */
  clientCpuSeconds: number;
  loadAverage: number;
}

const KEYSPACE_PARLEY_DEFAULT = { class: 'SimpleStrategy', replication_factor: '1' };
const CONNECT_TIMEOUT_MS = 3000;
const REQUEST_TIMEOUT_MS = 5000;
const SAFE_CQL_WORD = /^[A-Za-z0-9_.]{1,200}$/;

/** `{'k': 'v', ...}` for a replication map, refusing anything that is not a plain word. */
export function replicationCql(replication: Record<string, string>): string {
  const entries = Object.entries(replication);
  if (!entries.some(([k]) => k === 'class')) throw new Error('replication map has no class');
  for (const [k, v] of entries) if (!SAFE_CQL_WORD.test(k) || !SAFE_CQL_WORD.test(v)) throw new Error(`replication entry ${k}=${v} is not a plain word`);
  return `{${entries.map(([k, v]) => `'${k}': '${v}'`).join(', ')}}`;
}

function parseContactPoints(raw: string): string[] {
  const points = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (points.length === 0 || !points.every((p) => /^[^\s:]+(:\d{1,5})?$/.test(p))) throw new Error(`cassandra contact points must be host[:port],..., got "${raw}"`);
  return points;
}

function check(o: CassandraWriteLoopOptions): void {
  if (!Number.isInteger(o.window) || o.window < 1 || o.window > 4096) throw new Error(`window must be an integer in 1..4096, got ${o.window}`);
  if (!Number.isInteger(o.warmupMs) || o.warmupMs < 0 || o.warmupMs > 60_000) throw new Error(`warmupMs must be an integer in 0..60000, got ${o.warmupMs}`);
  if (!Number.isInteger(o.durationMs) || o.durationMs < 1000 || o.durationMs > 600_000) throw new Error(`durationMs must be an integer in 1000..600000, got ${o.durationMs}`);
  if (!Number.isInteger(o.textChars) || o.textChars < 0 || o.textChars > 100_000) throw new Error(`textChars must be an integer in 0..100000, got ${o.textChars}`);
  if (!/^[a-z][a-z0-9_]{0,47}$/.test(o.parleyKeyspace)) throw new Error(`parleyKeyspace "${o.parleyKeyspace}" is not a keyspace name`);
  if (!o.localDataCenter) throw new Error('localDataCenter is required');
}

/** The replication of Parley's keyspace, or the one Parley creates it with (SimpleStrategy, 1). */
async function parleyReplication(client: Client, keyspace: string): Promise<{ replication: Record<string, string>; source: string }> {
  const rs = await client.execute('SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?', [keyspace], { prepare: true });
  const row = rs.first();
  const map = row?.get('replication') as Record<string, string> | undefined;
  if (map && typeof map === 'object' && typeof map.class === 'string') return { replication: { ...map }, source: `live keyspace ${keyspace}` };
  return { replication: { ...KEYSPACE_PARLEY_DEFAULT }, source: `Parley's default (keyspace ${keyspace} not found)` };
}

/** Runs warm-up then the measured window, W writes in flight; drops its keyspace whatever happens. */
export async function runCassandraWriteLoop(o: CassandraWriteLoopOptions): Promise<CassandraWriteLoopResult> {
  check(o);
  const contactPoints = parseContactPoints(o.contactPoints);
  const client = new Client({
    contactPoints,
    localDataCenter: o.localDataCenter,
    socketOptions: { connectTimeout: CONNECT_TIMEOUT_MS, readTimeout: REQUEST_TIMEOUT_MS },
    queryOptions: { consistency: types.consistencies.localQuorum, prepare: true },
    protocolOptions: { maxSchemaAgreementWaitSeconds: 10 },
  });
  const keyspace = `parley_limits_${process.pid}_${Date.now().toString(36)}`;
  let created = false;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`cassandra connect to ${o.contactPoints} timed out`)), CONNECT_TIMEOUT_MS * (contactPoints.length + 1)).unref()),
    ]);
    const { replication, source } = await parleyReplication(client, o.parleyKeyspace);
    await client.execute(`CREATE KEYSPACE ${keyspace} WITH replication = ${replicationCql(replication)}`);
    created = true;
    const table = messageStoreTables(keyspace).find((s) => s.includes(`${keyspace}.messages_by_conversation `));
    if (!table) throw new Error('messageStoreTables has no messages_by_conversation table');
    await client.execute(table);
    const insert = `INSERT INTO ${keyspace}.messages_by_conversation (conversation_id, bucket, seq, id, sender_id, client_msg_id, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
    const body = JSON.stringify({ text: 'x'.repeat(o.textChars) });
    const rowTextBytes = 4 * 36 + Buffer.byteLength(body);
    const cassandra = infraServerPid('cassandra');
    if (cassandra.pid === null) o.log(`  cassandra CPU not measured: ${cassandra.reason}`);

    const latencies: number[] = [];
    let writes = 0;
    let errors = 0;
    let firstError: string | undefined;
    const t0 = Date.now();
    const measureFrom = t0 + o.warmupMs;
    const measureTo = measureFrom + o.durationMs;
    let cpuAtStart = { cassandra: Number.NaN, client: process.cpuUsage(), load: Number.NaN };
    const startMark = setTimeout(() => {
      cpuAtStart = { cassandra: cpuSecondsOrNaN(cassandra.pid), client: process.cpuUsage(), load: loadAverage1m() };
    }, o.warmupMs);
    let cpuAtEnd: { cassandra: number; client: NodeJS.CpuUsage } | null = null;
    const markEnd = () => ({ cassandra: cpuSecondsOrNaN(cassandra.pid), client: process.cpuUsage(cpuAtStart.client) });
    const endMark = setTimeout(() => {
      cpuAtEnd = markEnd();
    }, o.warmupMs + o.durationMs);

    const writer = async () => {
      const conversationId = randomUUID();
      const senderId = randomUUID();
      for (let seq = 1; Date.now() < measureTo; seq++) {
        const started = Date.now();
        const t = process.hrtime.bigint();
        try {
          await client.execute(insert, [conversationId, bucketOf(seq), seq, randomUUID(), senderId, randomUUID(), body, new Date()], {
            prepare: true,
            consistency: types.consistencies.localQuorum,
            isIdempotent: true,
            readTimeout: REQUEST_TIMEOUT_MS,
          });
        } catch (e) {
          errors++;
          firstError ??= e instanceof Error ? e.message : String(e);
          // A cluster refusing every write fails fast: pause so the loop does not spin.
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        const done = Date.now();
        if (done >= measureFrom && done <= measureTo) writes++;
        if (started >= measureFrom && started < measureTo) latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    };
    o.log(`  cassandra: ${o.window} writes in flight, ${o.warmupMs} ms warm-up, ${o.durationMs} ms measured, keyspace ${keyspace} (${replicationCql(replication)})`);
    await Promise.all(Array.from({ length: o.window }, writer));
    clearTimeout(startMark);
    clearTimeout(endMark);
    // The last writes end up to a request timeout after the window; the end mark has fired by then.
    const end = cpuAtEnd ?? markEnd();
    return {
      contactPoints: o.contactPoints,
      keyspace,
      replication,
      replicationSource: source,
      consistency: 'LOCAL_QUORUM',
      window: o.window,
      warmupMs: o.warmupMs,
      durationMs: o.durationMs,
      textChars: o.textChars,
      rowTextBytes,
      writes,
      writesPerSecond: writes / (o.durationMs / 1000),
      latencyMs: summarizeLatencies(latencies),
      errors,
      ...(firstError ? { firstError } : {}),
      cassandraPid: cassandra.pid,
      cassandraCpuSeconds: end.cassandra - cpuAtStart.cassandra,
      clientCpuSeconds: (end.client.user + end.client.system) / 1e6,
      loadAverage: cpuAtStart.load,
    };
  } finally {
    if (created) {
      await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch((e: unknown) => o.log(`  could not drop keyspace ${keyspace}: ${e instanceof Error ? e.message : String(e)}`));
    }
    await client.shutdown();
  }
}
