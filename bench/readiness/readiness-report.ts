import { LatencySummary, summarizeLatencies } from '../metrics/stats';
import { ReadinessConfig } from './readiness-config';
import { ReadinessWorkerReport } from './readiness-ipc';

export interface RssRow {
  process: string;
  startBytes: number;
  endBytes: number;
}

export interface HistoryVerdict {
  conversationId: string;
  kind: string;
  acks: number;
  storedMessages: number;
  ok: boolean;
  error?: string;
}

export interface ReadinessResult {
  config: ReadinessConfig;
  gateways: number;
  date: string;
  shape: { users: number; slowUsers: number; directs: number; groups: number; groupSizes: [number, number]; groupMemberships: number; bigGroup: number };
  loadAverageStart: number;
  loadAverageEnd: number;
  connect: { opened: number; failed: number; seconds: number; errors: string[] };
  sends: { sent: number; persisted: number; errors: number; heldBack: number; unanswered: number; seconds: number; persistedPerSecond: number };
  persistedAckMs: LatencySummary;
  /** Send to arrival at the fast clients (a uniform sample of at most 100,000 per worker). */
  fastDeliveryMs: LatencySummary;
  fastDeliveries: number;
  slow: {
    clients: number;
    /** Slow clients that lost their connection at least once, and the close codes they saw (1006: none). */
    closedClients: number;
    closesByCode: Record<string, number>;
    /** What the gateways counted: sockets they closed with 4408 during the run (null: unreadable). */
    gatewayCloses4408: number | null;
    resumed: number;
    resumedNoGap: number;
  };
  fastClosesByCode: Record<string, number>;
  delivery: { completeClients: number; clientsWithGaps: number; gapExamples: string[]; outOfOrder: number; reconnectFailures: number };
  history: { conversations: number; passed: number; failed: number; failures: HistoryVerdict[]; verdicts: HistoryVerdict[] };
  rss: RssRow[];
  /** CPU seconds each process (mesh, data systems, load generators, coordinator) used while the sends ran. */
  cpuDuringSends: Record<string, number>;
  error?: string;
}

const addCounts = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
};

/** The workers' reports as one (latencies pooled; the delivery sample pooled from per-worker samples). */
export function mergeReports(parts: ReadinessWorkerReport[], sendSeconds: number): Pick<ReadinessResult, 'sends' | 'persistedAckMs' | 'fastDeliveryMs' | 'fastDeliveries' | 'slow' | 'fastClosesByCode' | 'delivery'> {
  const sum = (f: (p: ReadinessWorkerReport) => number) => parts.reduce((a, p) => a + f(p), 0);
  const slowCodes: Record<string, number> = {};
  const fastCodes: Record<string, number> = {};
  for (const p of parts) {
    addCounts(slowCodes, p.slowClosesByCode);
    addCounts(fastCodes, p.fastClosesByCode);
  }
  const persisted = sum((p) => p.persisted);
  return {
    sends: {
      sent: sum((p) => p.sent),
      persisted,
      errors: sum((p) => p.errors),
      heldBack: sum((p) => p.heldBack),
      unanswered: sum((p) => p.unanswered),
      seconds: sendSeconds,
      persistedPerSecond: sendSeconds > 0 ? persisted / sendSeconds : Number.NaN,
    },
    persistedAckMs: summarizeLatencies(parts.flatMap((p) => p.persistedAckMs)),
    fastDeliveryMs: summarizeLatencies(parts.flatMap((p) => p.fastDeliveryMs)),
    fastDeliveries: sum((p) => p.fastDeliveries),
    slow: {
      clients: sum((p) => p.slowClients),
      closedClients: sum((p) => p.slowClosedClients),
      closesByCode: slowCodes,
      gatewayCloses4408: null,
      resumed: sum((p) => p.slowResumed),
      resumedNoGap: sum((p) => p.slowResumedNoGap),
    },
    fastClosesByCode: fastCodes,
    delivery: {
      completeClients: sum((p) => p.completeClients),
      clientsWithGaps: sum((p) => p.clientsWithGaps),
      gapExamples: parts.flatMap((p) => p.gapExamples).slice(0, 10),
      outOfOrder: sum((p) => p.outOfOrder),
      reconnectFailures: sum((p) => p.reconnectFailures),
    },
  };
}

const mib = (b: number) => (Number.isFinite(b) ? (b / 1048576).toFixed(0) : 'n/a');
const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
const codes = (c: Record<string, number>) => Object.entries(c).map(([k, v]) => `${v} x ${k}`).join(', ') || 'none';

/** Markdown of one readiness run. */
export function renderReadiness(r: ReadinessResult, command: string): string {
  const c = r.config;
  const s = r.shape;
  const kinds = ['direct', 'group', 'big'].map((k) => {
    const v = r.history.verdicts.filter((x) => x.kind === k);
    return `${k}: ${v.filter((x) => x.ok).length}/${v.length} pass`;
  });
  const lines = [
    `### Readiness run ${r.date}`,
    '',
    `\`${command}\``,
    '',
    `Shape: ${s.users} clients (${s.slowUsers} slow readers at ${c.slowBytesPerSecond} B/s) over ${r.gateways} gateway(s) and ${c.workers} load-generator workers; ` +
      `${s.directs} direct conversations, ${s.groups} groups of ${s.groupSizes[0]} to ${s.groupSizes[1]} members (${s.groupMemberships} memberships), ` +
      `${s.bigGroup > 0 ? `one ${s.bigGroup}-member group at ${c.bigRatePerSecond} msg/s` : 'no big group'}; ${c.ratePerSecond} msgs/s asked for ${c.durationMs / 1000} s. ` +
      `Load average ${r.loadAverageStart.toFixed(1)} at the start of the sends, ${r.loadAverageEnd.toFixed(1)} at the end.`,
    '',
    '| measure | value |',
    '| --- | --- |',
    `| connected | ${r.connect.opened}/${s.users} in ${r.connect.seconds.toFixed(1)} s (${r.connect.failed} failed) |`,
    `| sends: sent / persisted / errors / held back / unanswered | ${r.sends.sent} / ${r.sends.persisted} / ${r.sends.errors} / ${r.sends.heldBack} / ${r.sends.unanswered} |`,
    `| persisted sends per second (over ${r.sends.seconds.toFixed(0)} s) | ${r.sends.persistedPerSecond.toFixed(1)} |`,
    `| persisted ack p50 / p99 / max | ${ms(r.persistedAckMs.p50)} / ${ms(r.persistedAckMs.p99)} / ${ms(r.persistedAckMs.max)} ms (${r.persistedAckMs.count} acks) |`,
    `| delivery to fast clients p50 / p99 / max | ${ms(r.fastDeliveryMs.p50)} / ${ms(r.fastDeliveryMs.p99)} / ${ms(r.fastDeliveryMs.max)} ms (${r.fastDeliveries} deliveries, ${r.fastDeliveryMs.count} sampled) |`,
    `| slow clients closed by the server (close codes they saw) | ${r.slow.closedClients} of ${r.slow.clients} (${codes(r.slow.closesByCode)}) |`,
    `| sockets the gateways closed with 4408 | ${r.slow.gatewayCloses4408 ?? 'n/a'} |`,
    `| closed slow clients that reconnected and synced / and ended with no gap | ${r.slow.resumed} / ${r.slow.resumedNoGap} |`,
    `| fast clients closed (codes) | ${codes(r.fastClosesByCode)} |`,
    `| clients holding every seq of every conversation at the end / with a gap | ${r.delivery.completeClients} / ${r.delivery.clientsWithGaps} |`,
    `| out-of-order deliveries (fast clients) / failed reconnects | ${r.delivery.outOfOrder} / ${r.delivery.reconnectFailures} |`,
    `| history checker, per conversation | ${r.history.passed}/${r.history.conversations} pass (${kinds.join('; ')}) |`,
    '',
    '| process | RSS at start (MiB) | RSS at end (MiB) | change |',
    '| --- | --- | --- | --- |',
    ...r.rss.map((x) => `| ${x.process} | ${mib(x.startBytes)} | ${mib(x.endBytes)} | ${Number.isFinite(x.endBytes - x.startBytes) ? `${x.endBytes >= x.startBytes ? '+' : ''}${mib(x.endBytes - x.startBytes)}` : 'n/a'} |`),
  ];
  const cpu = Object.entries(r.cpuDuringSends).sort(([, a], [, b]) => b - a);
  if (cpu.length) {
    const total = cpu.reduce((a, [, x]) => a + (Number.isFinite(x) ? x : 0), 0);
    lines.push('', `CPU while the sends ran (seconds over ${r.sends.seconds.toFixed(0)} s, ${total.toFixed(1)} in all): ${cpu.map(([n, x]) => `${n} ${x.toFixed(1)}`).join(', ')}`);
  }
  if (r.delivery.gapExamples.length) lines.push('', 'Gaps:', ...r.delivery.gapExamples.map((g) => `- ${g}`));
  if (r.history.failures.length) lines.push('', 'History failures:', ...r.history.failures.map((f) => `- ${f.kind} ${f.conversationId}: ${f.error?.split('\n').slice(0, 3).join(' ')}`));
  if (r.error) lines.push('', `Run error: ${r.error}`);
  return lines.join('\n');
}
