import { median, ratio } from '../metrics/stats';
import { DataPathLimits } from '../limits/data-path-limits';
import { ProfileSummary } from '../profile/cpuprofile-summary';
import { FanoutRound } from '../scenarios/fanout.scenario';
import { SendsRound } from '../scenarios/persisted-sends.scenario';
import { StormRound } from '../scenarios/reconnect-storm.scenario';
import { BenchEnvironment } from './environment';

export interface TargetMedians {
  target: string;
  rounds: number;
  failedRounds: number;
  connections: number;
  connectSeconds: number;
  connectCpuMsPerConnection: number;
  /** The same less the target's idle CPU rate over the connect time (background work every second carries). */
  connectCpuNetMsPerConnection: number;
  idleCpuMsPerSecond: number;
  idleRssMiB: number;
  connectedRssMiB: number;
  bytesPerConnection: number;
  earlyBytesPerConnection: number;
  settledAfterSeconds: number;
  marginalBytesPerConnection: number;
  heapBytesPerConnection: number;
  marginalHeapBytesPerConnection: number;
  externalBytesPerConnection: number;
  members: number;
  messages: number;
  completeRounds: number;
  deliveries: number;
  expectedDeliveries: number;
  p50: number;
  p99: number;
  max: number;
  deliveriesPerCpuSecond: number;
  serverCpuSeconds: number;
  serverSystemShare: number;
  dataCpuSeconds: number;
  loadgenCpuSeconds: number;
  bytesPerDelivery: number;
}

/** Parley's goals (issue 4): each checked only at the scale it is stated for. */
export const GOALS = {
  bytesPerConnection: { limit: 2048, atConnections: 15_000 },
  p99Ms: [
    { limit: 50, atMembers: 10_000 },
    { limit: 250, atMembers: 100_000 },
  ],
  heldConnections: 100_000,
  /** Deliveries per server CPU-second, at least these multiples of the peers'. */
  deliveriesPerCpu: { 'bare-uws': 0.7, socketio: 10 } as Record<string, number>,
} as const;

const PARLEY_TARGETS = new Set(['parley', 'parley-mesh']);

export interface BenchReport {
  environment: BenchEnvironment;
  config: unknown;
  fanoutRounds: FanoutRound[];
  sendsRounds: SendsRound[];
  stormRounds: StormRound[];
  /** The data path's raw limits (Kafka's producer perf tool, a plain cassandra-driver loop), and rendered. */
  limits: DataPathLimits | null;
  limitsMarkdown: string | null;
  profiles: { scenario: string; summary: ProfileSummary }[];
}

export function mediansOf(target: string, rounds: FanoutRound[]): TargetMedians {
  const mine = rounds.filter((r) => r.target === target);
  const ok = mine.filter((r) => !r.error);
  const m = (f: (r: FanoutRound) => number | undefined) => median(ok.map((r) => f(r) ?? Number.NaN));
  return {
    target,
    rounds: mine.length,
    failedRounds: mine.length - ok.length,
    connections: m((r) => r.capacity.connections),
    connectSeconds: m((r) => r.capacity.connectSeconds),
    connectCpuMsPerConnection: m((r) => (r.capacity.connections > 0 ? (1000 * r.capacity.connectCpuSeconds) / r.capacity.connections : Number.NaN)),
    connectCpuNetMsPerConnection: m((r) => (r.capacity.connections > 0 ? (1000 * r.capacity.connectCpuNetOfIdleSeconds) / r.capacity.connections : Number.NaN)),
    idleCpuMsPerSecond: m((r) => 1000 * r.capacity.idleCpuSecondsPerSecond),
    idleRssMiB: m((r) => r.capacity.idleRssBytes / 2 ** 20),
    connectedRssMiB: m((r) => r.capacity.connectedRssBytes / 2 ** 20),
    bytesPerConnection: m((r) => r.capacity.rssPerConnectionBytes),
    earlyBytesPerConnection: m((r) => r.capacity.earlyRssPerConnectionBytes),
    settledAfterSeconds: m((r) => r.capacity.settledAfterSeconds),
    marginalBytesPerConnection: m((r) => r.capacity.marginalRssPerConnectionBytes),
    heapBytesPerConnection: m((r) => r.capacity.heapPerConnectionBytes),
    marginalHeapBytesPerConnection: m((r) => r.capacity.marginalHeapPerConnectionBytes),
    externalBytesPerConnection: m((r) => r.capacity.externalPerConnectionBytes),
    members: m((r) => r.fanout?.members),
    messages: m((r) => r.fanout?.messages),
    completeRounds: ok.filter((r) => r.fanout && r.fanout.deliveries === r.fanout.expectedDeliveries && r.fanout.completeMembers === r.fanout.members && r.fanout.nonMemberLeaks === 0).length,
    deliveries: m((r) => r.fanout?.deliveries),
    expectedDeliveries: m((r) => r.fanout?.expectedDeliveries),
    p50: m((r) => r.fanout?.latencyMs.p50),
    p99: m((r) => r.fanout?.latencyMs.p99),
    max: m((r) => r.fanout?.latencyMs.max),
    deliveriesPerCpuSecond: m((r) => r.fanout?.deliveriesPerCpuSecond),
    serverCpuSeconds: m((r) => r.fanout?.serverCpuSeconds),
    serverSystemShare: m((r) => (r.fanout ? r.fanout.serverSystemSeconds / r.fanout.serverCpuSeconds : Number.NaN)),
    dataCpuSeconds: m((r) => r.fanout?.dataCpuSeconds),
    loadgenCpuSeconds: m((r) => r.fanout?.loadgenCpuSeconds),
    bytesPerDelivery: m((r) => r.fanout?.bytesPerDelivery),
  };
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const x = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}x` : 'n/a');

function goalLine(name: string, value: number, limit: number, unit: string): string {
  if (!Number.isFinite(value)) return `- ${name}: not measured (no successful round)`;
  const met = value < limit;
  const by = met ? `${fmt(((limit - value) / limit) * 100, 0)}% under` : `${fmt(((value - limit) / limit) * 100, 0)}% over`;
  return `- ${name}: **${met ? 'met' : 'missed'}**: ${fmt(value, 1)} ${unit} against < ${limit} ${unit} (${by})`;
}

/** Sends per second the data path allows, from the raw limits; null when either side failed. */
export function sendsLimit(l: DataPathLimits | null): { kafka: number; cassandra: number; sends: number } | null {
  if (!l || 'error' in l.kafka || 'error' in l.cassandra) return null;
  const ceiling = l.kafka.runs.find((run) => run.label === 'ceiling')?.summary?.recordsPerSecond;
  const cassandra = l.cassandra.writesPerSecond;
  if (!ceiling || !Number.isFinite(cassandra)) return null;
  return { kafka: ceiling, cassandra, sends: Math.min(ceiling / 2, cassandra) };
}

/** A sends round's note: its error, and any sends the server answered as repeats (not fresh sends). */
export function sendsNote(s: SendsRound): string {
  const repeats = (s.repeats ?? 0) > 0 ? `${int(s.repeats as number)} sends answered as repeats: not fresh sends` : '';
  return [s.error ?? '', repeats].filter((n) => n !== '').join('; ');
}

function cpuLine(label: string, byProcess: Record<string, number>): string {
  const parts = Object.entries(byProcess)
    .sort((a, b) => (b[1] || 0) - (a[1] || 0))
    .map(([name, sec]) => `${name} ${fmt(sec, 2)}`);
  return `- ${label}: ${parts.join(', ')}`;
}

/** A goal of the form "at least `floor`": met, or missed by a factor. */
function floorLine(name: string, value: number, floor: number, unit: string): string {
  if (!Number.isFinite(value)) return `- ${name}: not measured (no successful round)`;
  const met = value >= floor;
  return `- ${name}: **${met ? 'met' : 'missed'}**: ${fmt(value, 2)}${unit} against at least ${floor}${unit}${met ? '' : ` (${fmt(floor / value, 1)}x short)`}`;
}

/** The results as Markdown: setup, medians, ratios, goals, every round, profiles. */
export function renderMarkdown(r: BenchReport): string {
  const e = r.environment;
  const out: string[] = [];
  out.push(`### Run of ${e.date}`, '');
  out.push(`- Command: \`${e.command}\``);
  out.push(`- Machine: ${e.nproc} cores (${e.cpuModel}), ${e.memoryGiB} GiB, open files ${e.openFilesLimit}; Node ${e.node}`);
  out.push(`- Packages: ${Object.entries(e.packages).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  out.push(`- Bench from commit ${e.commit}${e.dirtyFiles > 0 ? ` (${e.dirtyFiles} uncommitted files in the work tree)` : ''}; Parley under test: ${e.parleySource} (\`${e.parleyRoot}\`)`);
  const loads = [...r.fanoutRounds.map((f) => f.loadAverage), ...r.sendsRounds.map((s) => s.loadAverage), ...r.stormRounds.map((s) => s.loadAverage)];
  if (loads.length) out.push(`- 1-minute load average at round starts: ${fmt(Math.min(...loads), 2)} to ${fmt(Math.max(...loads), 2)} (the machine is shared)`);
  out.push('');

  const targets = [...new Set(r.fanoutRounds.map((f) => f.target))];
  if (targets.length > 0) {
    const med = targets.map((t) => mediansOf(t, r.fanoutRounds));
    out.push('#### Capacity (median of rounds)', '');
    out.push('| target | rounds (failed) | connections | connect time s | server CPU ms / connection | RSS idle MiB | RSS connected MiB (settled) | RSS per connection, settled (after s) | RSS per connection 3 s after connecting | marginal RSS per connection | V8 heap used per connection (marginal) | external per connection |');
    out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const m of med) {
      out.push(
        `| ${m.target} | ${m.rounds} (${m.failedRounds}) | ${int(m.connections)} | ${fmt(m.connectSeconds)} | ${fmt(m.connectCpuMsPerConnection, 3)} | ${fmt(m.idleRssMiB)} | ${fmt(m.connectedRssMiB)} | ${int(m.bytesPerConnection)} B (${fmt(m.settledAfterSeconds, 0)}) | ${int(m.earlyBytesPerConnection)} B | ${int(m.marginalBytesPerConnection)} B | ${int(m.heapBytesPerConnection)} B (${int(m.marginalHeapBytesPerConnection)} B) | ${int(m.externalBytesPerConnection)} B |`,
      );
    }
    out.push('', '#### Connect CPU net of idle (median of rounds)', '');
    out.push('| target | idle server CPU ms / s | connect time s | server CPU ms / connection | of it, net of idle |');
    out.push('| --- | --- | --- | --- | --- |');
    for (const m of med) out.push(`| ${m.target} | ${fmt(m.idleCpuMsPerSecond)} | ${fmt(m.connectSeconds)} | ${fmt(m.connectCpuMsPerConnection, 3)} | ${fmt(m.connectCpuNetMsPerConnection, 3)} |`);
    const retained = r.fanoutRounds.filter((f) => f.capacity.retainedHeap);
    if (retained.length > 0) {
      out.push('', '#### Retained V8 heap per connection (heap snapshots after a full GC, idle and connected)', '');
      for (const f of retained) {
        const h = f.capacity.retainedHeap;
        if (!h) continue;
        out.push(`- ${f.target}, round ${f.round}: **${int(h.bytesPerUnit)} B** per connection; largest: ${h.top.map((t) => `${t.kind} ${fmt(t.bytesPerUnit, 0)} B`).join(', ')}`);
      }
    }
    out.push('', '#### Fan-out (median of rounds)', '');
    out.push('| target | members x messages | complete rounds | deliveries | p50 ms | p99 ms | max ms | deliveries / server CPU-s | server CPU s (system share) | data systems CPU s | load-gen CPU s | bytes / delivery |');
    out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const m of med) {
      out.push(
        `| ${m.target} | ${int(m.members)} x ${int(m.messages)} | ${m.completeRounds}/${m.rounds} | ${int(m.deliveries)} / ${int(m.expectedDeliveries)} | ${fmt(m.p50)} | ${fmt(m.p99)} | ${fmt(m.max)} | ${int(m.deliveriesPerCpuSecond)} | ${fmt(m.serverCpuSeconds, 2)} (${fmt(m.serverSystemShare * 100, 0)}%) | ${fmt(m.dataCpuSeconds, 2)} | ${fmt(m.loadgenCpuSeconds, 2)} | ${int(m.bytesPerDelivery)} |`,
      );
    }
    const peers = med.filter((m) => !PARLEY_TARGETS.has(m.target));
    for (const parley of med.filter((m) => PARLEY_TARGETS.has(m.target))) {
      if (peers.length > 0) {
        out.push('', `#### Ratios (${parley.target} / peer, medians; below 1 is better for Parley except deliveries per CPU-second)`, '');
        out.push('| pair | RSS per connection | marginal RSS per connection | connect CPU per connection | p50 | p99 | deliveries / CPU-s |');
        out.push('| --- | --- | --- | --- | --- | --- | --- |');
        for (const p of peers) {
          out.push(
            `| ${parley.target} / ${p.target} | ${x(ratio(parley.bytesPerConnection, p.bytesPerConnection))} | ${x(ratio(parley.marginalBytesPerConnection, p.marginalBytesPerConnection))} | ${x(ratio(parley.connectCpuMsPerConnection, p.connectCpuMsPerConnection))} | ${x(ratio(parley.p50, p.p50))} | ${x(ratio(parley.p99, p.p99))} | ${x(ratio(parley.deliveriesPerCpuSecond, p.deliveriesPerCpuSecond))} |`,
          );
        }
      }
      const goals: string[] = [];
      if (parley.connections >= GOALS.bytesPerConnection.atConnections) goals.push(goalLine(`memory per connection at ${int(parley.connections)} connections`, parley.bytesPerConnection, GOALS.bytesPerConnection.limit, 'B'));
      // The goal stated for the largest group size this run reached.
      const p99Goal = [...GOALS.p99Ms].reverse().find((g) => parley.members >= g.atMembers);
      if (p99Goal) goals.push(goalLine(`p99 send-to-delivery in a ${int(parley.members)}-member group`, parley.p99, p99Goal.limit, 'ms'));
      if (parley.connections >= GOALS.heldConnections) goals.push(`- ${int(GOALS.heldConnections)} connections held at once: **met** (${int(parley.connections)})`);
      for (const p of peers) {
        const floor = GOALS.deliveriesPerCpu[p.target];
        if (floor !== undefined) goals.push(floorLine(`deliveries per CPU-second against ${p.target}`, ratio(parley.deliveriesPerCpuSecond, p.deliveriesPerCpuSecond), floor, 'x'));
      }
      if (goals.length) out.push('', `#### Goals (${parley.target})`, '', ...goals);
    }
    out.push('', '#### Every round', '');
    out.push('| target | round | connected (retried) | RSS per connection (marginal) | complete members | deliveries | p50 ms | p99 ms | max ms | deliveries / CPU-s | out of order | server closes | note |');
    out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const f of r.fanoutRounds) {
      const fo = f.fanout;
      const closes = fo ? Object.entries(fo.closeCodes).map(([k, v]) => `${k}x${v}`).join(' ') || '0' : '';
      const note = [f.error ?? '', fo && !fo.warmupComplete ? 'warm-up incomplete' : '', fo && fo.nonMemberLeaks > 0 ? `${fo.nonMemberLeaks} non-members received` : ''].filter(Boolean).join('; ');
      out.push(
        `| ${f.target} | ${f.round} | ${int(f.capacity.connections)} (${f.capacity.retried}) | ${int(f.capacity.rssPerConnectionBytes)} B (${int(f.capacity.marginalRssPerConnectionBytes)} B) | ${fo ? `${int(fo.completeMembers)}/${int(fo.members)}` : ''} | ${fo ? int(fo.deliveries) : ''} | ${fo ? fmt(fo.latencyMs.p50) : ''} | ${fo ? fmt(fo.latencyMs.p99) : ''} | ${fo ? fmt(fo.latencyMs.max) : ''} | ${fo ? int(fo.deliveriesPerCpuSecond) : ''} | ${fo ? fo.outOfOrder : ''} | ${closes} | ${note} |`,
      );
    }
    out.push('');
  }

  for (const target of [...new Set(r.sendsRounds.map((s) => s.target))]) {
    const mine = r.sendsRounds.filter((s) => s.target === target);
    const ok = mine.filter((s) => !s.error);
    const m = (f: (s: SendsRound) => number) => median(ok.map(f));
    out.push(`#### Persisted sends: ${target}`, '');
    out.push('| round | senders x window | persisted sends/s | sends / server CPU-s | data systems CPU s | received ack p50 / p99 ms | persisted ack p50 / p99 / max ms | errors | not persisted | note |');
    out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const s of mine) {
      out.push(
        `| ${s.round} | ${s.senders} x ${s.window}${s.ratePerSecond ? ` at ${s.ratePerSecond}/s (held back ${s.heldBack})` : ''} | ${int(s.sendsPerSecond)} | ${int(s.sendsPerCpuSecond)} | ${fmt(s.dataCpuSeconds, 2)} | ${fmt(s.receivedAckMs.p50)} / ${fmt(s.receivedAckMs.p99)} | ${fmt(s.persistedAckMs.p50)} / ${fmt(s.persistedAckMs.p99)} / ${fmt(s.persistedAckMs.max)} | ${s.errors} | ${s.unanswered} | ${sendsNote(s)} |`,
      );
    }
    out.push(
      `| **median** | | **${int(m((s) => s.sendsPerSecond))}** | **${int(m((s) => s.sendsPerCpuSecond))}** | ${fmt(m((s) => s.dataCpuSeconds), 2)} | ${fmt(m((s) => s.receivedAckMs.p50))} / ${fmt(m((s) => s.receivedAckMs.p99))} | **${fmt(m((s) => s.persistedAckMs.p50))} / ${fmt(m((s) => s.persistedAckMs.p99))}** / ${fmt(m((s) => s.persistedAckMs.max))} | | | |`,
      '',
    );
  }

  if (r.stormRounds.length > 0) {
    out.push('#### Reconnect storm', '');
    out.push('| target | round | clients x missed | back (failed) | all back s | all caught up s | caught up | duplicates | store reads | server CPU s | data systems CPU s | note |');
    out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const s of r.stormRounds) {
      out.push(
        `| ${s.target} | ${s.round} | ${int(s.clients)} x ${s.missed} | ${int(s.reconnected)} (${s.failed}) | ${fmt(s.allReadySeconds, 2)} | ${fmt(s.allCaughtUpSeconds, 2)} | ${int(s.caughtUp)} | ${int(s.over)} | ${s.storeReads === null ? 'no store' : int(s.storeReads)} | ${fmt(s.serverCpuSeconds, 2)} | ${fmt(s.dataCpuSeconds, 2)} | ${s.error ?? ''} |`,
      );
    }
    out.push('');
  }

  if (r.limitsMarkdown) out.push(r.limitsMarkdown, '');
  const limit = sendsLimit(r.limits);
  const meshSends = median(r.sendsRounds.filter((s) => s.target === 'parley-mesh' && !s.error).map((s) => s.sendsPerSecond));
  if (limit && Number.isFinite(meshSends)) {
    out.push('#### Goal: persisted sends against the data path', '');
    out.push(
      `The raw limit of a send is the lower of Kafka's ceiling over two appends per send (${int(limit.kafka)} records/s / 2) and the plain Cassandra write loop (${int(limit.cassandra)} writes/s): ${int(limit.sends)} sends/s.`,
      `- parley-mesh persisted sends (median ${int(meshSends)}/s) against half of that (${int(limit.sends / 2)}/s): ${meshSends >= limit.sends / 2 ? '**met**' : `**missed** (${fmt(limit.sends / 2 / meshSends, 0)}x short)`}`,
      '',
    );
  }

  const breakdowns: string[] = [];
  for (const f of r.fanoutRounds) {
    if (Object.keys(f.capacity.connectCpuByProcess).length > 1) breakdowns.push(cpuLine(`${f.target} connecting ${int(f.capacity.connections)}, round ${f.round}`, f.capacity.connectCpuByProcess));
    if (Object.keys(f.capacity.connectCpuByThread).length > 0) breakdowns.push(cpuLine(`${f.target} connecting ${int(f.capacity.connections)}, round ${f.round}, by thread`, f.capacity.connectCpuByThread));
    if (Number.isFinite(f.capacity.connectCpuByHalf.first)) breakdowns.push(cpuLine(`${f.target} connecting ${int(f.capacity.connections)}, round ${f.round}, by half (the first carries the warm-up)`, f.capacity.connectCpuByHalf));
    if (f.fanout && Object.keys(f.fanout.cpuByProcess).length > 1) breakdowns.push(cpuLine(`${f.target} fan-out, round ${f.round}`, f.fanout.cpuByProcess));
  }
  for (const s of r.sendsRounds) if (Object.keys(s.cpuByProcess).length > 1) breakdowns.push(cpuLine(`${s.target} persisted sends, round ${s.round}`, s.cpuByProcess));
  if (breakdowns.length > 0) out.push('#### Where the CPU went (seconds, by process or thread)', '', ...breakdowns, '');

  for (const p of r.profiles) {
    const s = p.summary;
    out.push(`#### CPU profile: ${p.scenario}`, '');
    out.push(`\`${s.file}\`: ${fmt(s.sampledMs, 0)} ms busy, ${fmt(s.idleMs, 0)} ms idle${s.windowApplied ? ' inside the measured window' : ' (whole process: the window did not overlap)'}.`, '');
    out.push('| top self frames | ms | % of busy |', '| --- | --- | --- |');
    for (const f of s.topSelf) out.push(`| \`${f.frame}\` | ${fmt(f.ms, 0)} | ${fmt(f.percent)} |`);
    out.push('', '| self time by area | ms | % of busy |', '| --- | --- | --- |');
    for (const f of s.byArea) out.push(`| ${f.frame} | ${fmt(f.ms, 0)} | ${fmt(f.percent)} |`);
    out.push('', '| Parley functions, inclusive | ms | % of busy |', '| --- | --- | --- |');
    for (const f of s.topParleyInclusive) out.push(`| \`${f.frame}\` | ${fmt(f.ms, 0)} | ${fmt(f.percent)} |`);
    out.push('');
  }
  return out.join('\n');
}
