import { ConnSpec } from '../loadgen/ipc';
import { LoadGenerator, LoadGeneratorOptions } from '../loadgen/load-generator';
import { SourceAddresses } from '../loadgen/source-addresses';
import { RawWsClient } from '../loadgen/ws-client';
import { RetainedHeap, retainedPerUnit, takeHeapSnapshots } from '../profile/heap-snapshots';
import { endRound, openSenders, sleep, waitForMessages } from './round-steps';
import { addCpu, cpuByName, cpuByThread, cpuDelta, loadAverage1m, sumCpuSeconds, sumRssBytes, sumSystemSeconds, sumTreeCpuSeconds } from '../metrics/proc-stat';
import { LatencySummary, summarizeLatencies } from '../metrics/stats';
import { BenchTarget, FanoutShape, StartOptions } from '../targets/target';

/** A round's load-generator settings are part of its config (LoadGeneratorOptions). */
export interface FanoutConfig extends LoadGeneratorOptions {
  shape: FanoutShape;
  /** Measured messages, and unmeasured ones sent first to warm JIT and caches. */
  messages: number;
  warmupMessages: number;
  /** Gap between two sends: each message's fan-out is one burst, not a queue behind the last. */
  intervalMs: number;
  /** Share of the members that are full clients (parse and timestamp every frame). */
  fullFraction: number;
  /** Wait after the last connection before the first memory reading. */
  settleMs: number;
  /**
   * The settled memory reading comes this long after the last connection: a runtime with a garbage
   * collector keeps the connect storm's garbage resident for a while (V8 gives the pages back after
   * some idle seconds), which is not what a held connection costs. Both readings are reported.
   */
  maxSettleMs: number;
  /** Give up waiting for deliveries after this long without progress. */
  stallMs: number;
}

export interface CapacityResult {
  requested: number;
  connections: number;
  failed: number;
  /** Dropped before ready once, opened on the second try (see RawWsClient.openRetrying). */
  retried: number;
  errors: string[];
  connectSeconds: number;
  idleRssBytes: number;
  connectedRssBytes: number;
  rssPerConnectionBytes: number;
  /** RSS per connection at the first reading, `settleMs` after the last connection (the connect storm's high-water). */
  earlyRssPerConnectionBytes: number;
  /** How long memory took to hold still after the last connection. */
  settledAfterSeconds: number;
  /** (RSS with all connected - RSS with the first half connected) / second half: the marginal cost. */
  marginalRssPerConnectionBytes: number;
  /** V8 heap used and external memory, idle and connected (NaN when the target cannot tell). */
  heapPerConnectionBytes: number;
  marginalHeapPerConnectionBytes: number;
  externalPerConnectionBytes: number;
  connectCpuSeconds: number;
  /**
   * The target's CPU per second while idle (measured just before connecting, no clients): the
   * background work (consumer polls, timers) that any window of wall time carries.
   */
  idleCpuSecondsPerSecond: number;
  /** connectCpuSeconds less the idle rate over the connect time: the work the connections caused. */
  connectCpuNetOfIdleSeconds: number;
  /** CPU seconds by process over the connect phase (multi-process targets). */
  connectCpuByProcess: Record<string, number>;
  /** CPU seconds of main threads and helper threads over the two connect halves (the exact windows of connectCpuSeconds). */
  connectCpuByThread: Record<string, number>;
  /**
   * connectCpuSeconds split into its two halves. The first carries the process's warm-up (V8
   * compiling the connect path on its helper threads, cold code on the main one); the second is
   * nearer the steady cost of a connection.
   */
  connectCpuByHalf: Record<'first' | 'second', number>;
  /** With --heap-snapshots: the V8 heap the connections retain (snapshots after a full GC), or null. */
  retainedHeap: RetainedHeap | null;
}

export interface FanoutResult {
  members: number;
  messages: number;
  expectedDeliveries: number;
  deliveries: number;
  /** Members that got every message exactly once, fewer, or more. */
  completeMembers: number;
  shortMembers: number;
  overMembers: number;
  /** Non-members that received anything (must be 0). */
  nonMemberLeaks: number;
  latencyMs: LatencySummary;
  fullClients: number;
  outOfOrder: number;
  undecodable: number;
  bytesPerDelivery: number;
  serverCpuSeconds: number;
  /** The kernel's share of it: on loopback the sender's system time includes the receivers' TCP path. */
  serverSystemSeconds: number;
  /** CPU of the data systems the server side used (the mesh's Kafka, Cassandra, Postgres, Redis), not in serverCpuSeconds. */
  dataCpuSeconds: number;
  /** CPU seconds by process over the fan-out (multi-process targets: where the work went). */
  cpuByProcess: Record<string, number>;
  deliveriesPerCpuSecond: number;
  loadgenCpuSeconds: number;
  wallSeconds: number;
  /** Sockets closed by the server during the round, by close code. */
  closeCodes: Record<string, number>;
  warmupComplete: boolean;
}

export interface FanoutRound {
  target: string;
  round: number;
  loadAverage: number;
  capacity: CapacityResult;
  fanout: FanoutResult | null;
  /** The server side's processes by name (multi-process targets), e.g. to find a process's profile. */
  namedPids: Record<string, number>;
  /** The connect and fan-out phases on the coordinator's clock (process.hrtime, ns), for profile windows. */
  connectWindowNs: [string, string] | null;
  windowNs: [string, string] | null;
  error?: string;
}

/** How long a round watches the target idle before connecting (its background CPU rate; 1 s was the old settle). */
const IDLE_BASELINE_MS = 3000;

/**
 * One round against one target: start it afresh, connect `connections` receivers (capacity: memory
 * and CPU per connection), then fan `messages` out to the `members` in the group (latency at the full
 * clients, completeness from every receiver's count, deliveries per server CPU-second), then close.
 */
export async function runFanoutRound(
  target: BenchTarget,
  round: number,
  c: FanoutConfig,
  addresses: SourceAddresses,
  startOptions: StartOptions,
  log: (line: string) => void,
): Promise<FanoutRound> {
  const session = await target.start(c.shape, startOptions);
  const loadgen = new LoadGenerator(c);
  let senders: RawWsClient[] = [];
  const result: FanoutRound = {
    target: target.name,
    round,
    loadAverage: loadAverage1m(),
    capacity: emptyCapacity(c.shape.connections),
    namedPids: session.namedPids?.() ?? {},
    fanout: null,
    connectWindowNs: null,
    windowNs: null,
  };
  try {
    loadgen.start();
    const pids = session.serverPids();
    const memoryPids = session.socketPids?.() ?? pids;
    const dataPids = session.dataPids?.() ?? [];
    const idleStart = process.hrtime.bigint();
    const idleCpu0 = sumCpuSeconds(pids);
    await sleep(IDLE_BASELINE_MS);
    const idleCpuPerSecond = (sumCpuSeconds(pids) - idleCpu0) / (Number(process.hrtime.bigint() - idleStart) / 1e9);
    const idleRss = sumRssBytes(memoryPids);
    const idleHeap = await session.heap();
    const snapshotDir = startOptions.heapSnapshotDir;
    const idleSnapshots = snapshotDir ? await takeHeapSnapshots(snapshotDir, memoryPids) : null;
    const step = Math.max(1, Math.round(1 / c.fullFraction));
    const specs: ConnSpec[] = [];
    for (let i = 0; i < c.shape.connections; i++) {
      const member = i < c.shape.members;
      specs.push({ target: { ...session.receiver(i), localAddress: addresses.take() }, dialect: session.dialect, full: member && i % step === 0, member });
    }
    // Two halves: the second half's memory is the marginal cost of a connection, free of one-off
    // growth (JIT code, heap and cache warm-up) that the first connections also pay for.
    const half = Math.floor(specs.length / 2);
    const named = session.namedPids?.() ?? {};
    const byNameBeforeConnect = cpuByName(named);
    const threadsBeforeConnect = cpuByThread(pids);
    const cpuBeforeConnect = sumCpuSeconds(pids);
    const c0 = process.hrtime.bigint();
    const first = await loadgen.connect(specs.slice(0, half));
    const cpuHalf = sumCpuSeconds(pids);
    const threadsFirst = cpuDelta(threadsBeforeConnect, cpuByThread(pids));
    await sleep(c.settleMs);
    const halfRss = sumRssBytes(memoryPids);
    const halfHeap = await session.heap();
    const threadsBeforeSecond = cpuByThread(pids);
    const cpuSecond = sumCpuSeconds(pids);
    const second = await loadgen.connect(specs.slice(half));
    result.connectWindowNs = [String(c0), String(process.hrtime.bigint())];
    const connectCpuByHalf = { first: cpuHalf - cpuBeforeConnect, second: sumCpuSeconds(pids) - cpuSecond };
    const connectCpu = connectCpuByHalf.first + connectCpuByHalf.second;
    const connectCpuByThread = addCpu(threadsFirst, cpuDelta(threadsBeforeSecond, cpuByThread(pids)));
    // Includes the settle between the halves (idle work of every process): a breakdown, not a total.
    const connectCpuByProcess = cpuDelta(byNameBeforeConnect, cpuByName(named));
    const conn = {
      opened: first.opened + second.opened,
      failed: first.failed + second.failed,
      retried: first.retried + second.retried,
      errors: [...new Set([...first.errors, ...second.errors])].slice(0, 5),
      seconds: first.seconds + second.seconds,
    };
    const settled = await settledRss(memoryPids, c.settleMs, c.maxSettleMs);
    const connectedRss = settled.rss;
    const connectedEarlyRss = settled.early;
    const connectedHeap = await session.heap();
    const connectedSnapshots = snapshotDir && idleSnapshots ? await takeHeapSnapshots(snapshotDir, memoryPids) : null;
    const perConn = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && conn.opened > 0 ? (b - a) / conn.opened : Number.NaN);
    result.capacity = {
      requested: c.shape.connections,
      connections: conn.opened,
      failed: conn.failed,
      retried: conn.retried,
      errors: conn.errors,
      connectSeconds: conn.seconds,
      idleRssBytes: idleRss,
      connectedRssBytes: connectedRss,
      rssPerConnectionBytes: conn.opened > 0 ? (connectedRss - idleRss) / conn.opened : Number.NaN,
      earlyRssPerConnectionBytes: conn.opened > 0 ? (settled.early - idleRss) / conn.opened : Number.NaN,
      settledAfterSeconds: settled.seconds,
      // Both readings taken settleMs after their half: the same moment of the garbage cycle.
      marginalRssPerConnectionBytes: second.opened > 0 ? (connectedEarlyRss - halfRss) / second.opened : Number.NaN,
      heapPerConnectionBytes: perConn(idleHeap?.heapUsedBytes, connectedHeap?.heapUsedBytes),
      marginalHeapPerConnectionBytes:
        halfHeap && connectedHeap && second.opened > 0 ? (connectedHeap.heapUsedBytes - halfHeap.heapUsedBytes) / second.opened : Number.NaN,
      externalPerConnectionBytes: perConn(idleHeap?.externalBytes, connectedHeap?.externalBytes),
      connectCpuSeconds: connectCpu,
      idleCpuSecondsPerSecond: idleCpuPerSecond,
      connectCpuNetOfIdleSeconds: connectCpu - idleCpuPerSecond * conn.seconds,
      connectCpuByProcess,
      connectCpuByThread,
      connectCpuByHalf,
      retainedHeap: idleSnapshots && connectedSnapshots && conn.opened > 0 ? retainedPerUnit(idleSnapshots, connectedSnapshots, conn.opened) : null,
    };
    log(
      `  ${target.name} round ${round}: ${conn.opened}/${c.shape.connections} connected in ${conn.seconds.toFixed(1)} s, ` +
        `${(result.capacity.rssPerConnectionBytes / 1024).toFixed(2)} KiB/connection after ${result.capacity.settledAfterSeconds.toFixed(0)} s ` +
        `(${(result.capacity.earlyRssPerConnectionBytes / 1024).toFixed(2)} KiB at ${c.settleMs / 1000} s) ` +
        `(marginal ${(result.capacity.marginalRssPerConnectionBytes / 1024).toFixed(2)} KiB)` +
        (conn.retried ? `, ${conn.retried} retried` : '') +
        (conn.errors.length ? ` (errors: ${conn.errors.join('; ')})` : '') +
        (result.capacity.retainedHeap ? `; retained heap ${Math.round(result.capacity.retainedHeap.bytesPerUnit)} B/connection` : ''),
    );
    if (c.shape.members === 0 || c.messages === 0) return result;

    senders = await openSenders(session, addresses, c.readyTimeoutMs, () => result.capacity.retried++);
    const sendAll = (n: number) => {
      const frame = session.senderFrame(n, process.hrtime.bigint());
      for (const s of senders) s.sendText(frame);
    };
    await loadgen.mark();
    let n = 0;
    for (let i = 0; i < c.warmupMessages; i++, n++) {
      sendAll(n);
      await sleep(c.intervalMs);
    }
    const warm = await waitForMessages(loadgen, c.warmupMessages, c.stallMs);
    await loadgen.mark();

    const lgPids = loadgen.pids();
    const cpu0 = sumCpuSeconds(pids);
    const sys0 = sumSystemSeconds(pids);
    const lg0 = sumCpuSeconds(lgPids);
    const data0 = sumTreeCpuSeconds(dataPids);
    const byName0 = cpuByName(named);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < c.messages; i++, n++) {
      sendAll(n);
      await sleep(c.intervalMs);
    }
    await waitForMessages(loadgen, c.messages, c.stallMs);
    const t1 = process.hrtime.bigint();
    const cpu = sumCpuSeconds(pids) - cpu0;
    const sys = sumSystemSeconds(pids) - sys0;
    const dataCpu = sumTreeCpuSeconds(dataPids) - data0;
    const cpuByProcess = cpuDelta(byName0, cpuByName(named));
    const lgCpu = sumCpuSeconds(lgPids) - lg0;
    const s = await loadgen.collect(c.messages, true);
    result.windowNs = [String(t0), String(t1)];
    result.fanout = {
      members: s.members,
      messages: c.messages,
      expectedDeliveries: s.members * c.messages,
      deliveries: s.memberMessages,
      completeMembers: s.membersExact,
      shortMembers: s.membersShort,
      overMembers: s.membersOver,
      nonMemberLeaks: s.nonMembersWithMessages,
      latencyMs: summarizeLatencies(s.latenciesMs),
      fullClients: specs.filter((x) => x.full).length,
      outOfOrder: s.outOfOrder,
      undecodable: s.undecodable,
      bytesPerDelivery: s.memberMessages > 0 ? s.memberBytes / s.memberMessages : Number.NaN,
      serverCpuSeconds: cpu,
      serverSystemSeconds: sys,
      dataCpuSeconds: dataCpu,
      cpuByProcess,
      deliveriesPerCpuSecond: cpu > 0 ? s.memberMessages / cpu : Number.NaN,
      loadgenCpuSeconds: lgCpu,
      wallSeconds: Number(t1 - t0) / 1e9,
      closeCodes: s.closeCodes,
      warmupComplete: warm.membersExact === warm.members,
    };
    const f = result.fanout;
    log(
      `  ${target.name} round ${round}: ${f.deliveries}/${f.expectedDeliveries} delivered, p50 ${f.latencyMs.p50.toFixed(1)} ms, ` +
        `p99 ${f.latencyMs.p99.toFixed(1)} ms, ${Math.round(f.deliveriesPerCpuSecond)} deliveries/CPU-s`,
    );
    return result;
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    log(`  ${target.name} round ${round} failed: ${result.error}`);
    return result;
  } finally {
    await endRound(senders, loadgen, session, log);
  }
}

/** RSS `settleMs` after the last connection, and again `maxMs` after it (when the garbage is gone). */
async function settledRss(pids: number[], settleMs: number, maxMs: number): Promise<{ early: number; rss: number; seconds: number }> {
  const started = Date.now();
  await sleep(settleMs);
  const early = sumRssBytes(pids);
  await sleep(Math.max(0, maxMs - (Date.now() - started)));
  return { early, rss: sumRssBytes(pids), seconds: (Date.now() - started) / 1000 };
}


function emptyCapacity(requested: number): CapacityResult {
  return {
    requested,
    connections: 0,
    failed: 0,
    retried: 0,
    errors: [],
    connectSeconds: Number.NaN,
    idleRssBytes: Number.NaN,
    connectedRssBytes: Number.NaN,
    rssPerConnectionBytes: Number.NaN,
    earlyRssPerConnectionBytes: Number.NaN,
    settledAfterSeconds: Number.NaN,
    marginalRssPerConnectionBytes: Number.NaN,
    heapPerConnectionBytes: Number.NaN,
    marginalHeapPerConnectionBytes: Number.NaN,
    externalPerConnectionBytes: Number.NaN,
    connectCpuSeconds: Number.NaN,
    idleCpuSecondsPerSecond: Number.NaN,
    connectCpuNetOfIdleSeconds: Number.NaN,
    connectCpuByProcess: {},
    connectCpuByThread: {},
    connectCpuByHalf: { first: Number.NaN, second: Number.NaN },
    retainedHeap: null,
  };
}
