import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { HistoryChecker } from '../../test/support/history-checker';
import { cpuByName, cpuDelta, loadAverage1m, rssBytes } from '../metrics/proc-stat';
import { LatencySummary, summarizeLatencies } from '../metrics/stats';
import { ReadinessConfig } from '../readiness/readiness-config';
import { AckLine, ReadinessClientSpec, ReadinessConnectResult, ReadinessSendSpec, ReadinessWorkerReport } from '../readiness/readiness-ipc';
import { buildPlan, membershipsOf } from '../readiness/plan';
import { lastSeqs, prepareReadiness, readinessUser } from '../readiness/readiness-setup';
import { ReadinessWorker } from '../readiness/readiness-workers';
import { mergeReports, RssRow, ReadinessResult, HistoryVerdict } from '../readiness/readiness-report';
import { ParleyDeployment, RunningParley } from '../targets/parley/deployment';
import { mapLimit, ParleyRest } from '../targets/parley/rest';
import { sleep } from './round-steps';

/** Launching the measured mesh and connecting, on top of the run: tokens renewed at setup's end must outlive it. */
const SETUP_MARGIN_MS = 3 * 60_000;
/** Access tokens live at most 15 minutes. */
const MAX_TOKEN_VALIDITY_MS = 14 * 60_000;
const MAX_HISTORY_FAILURES_SHOWN = 20;

/**
 * Seed 001's readiness bar on the mesh: `users` clients spread over load-generator workers, a
 * sustained send rate over direct conversations and groups plus one big group, a share of the
 * clients reading slowly (the gateways close them with 4408; they reconnect and sync). Reports the
 * persisted-ack and delivery latencies, the slow clients' closes and resumes with the gap check,
 * the history checker's verdict per conversation, and the RSS of every process at start and end.
 */
export async function runReadiness(deployment: ParleyDeployment, stateDir: string, outDir: string, c: ReadinessConfig, log: (line: string) => void): Promise<ReadinessResult> {
  const plan = buildPlan(c);
  const slowCount = plan.slow.filter(Boolean).length;
  log(`readiness: ${c.users} clients (${slowCount} slow), ${plan.conversations.length} conversations, ${c.ratePerSecond} msgs/s + ${c.bigRatePerSecond}/s into the big group for ${c.durationMs / 1000} s`);
  const validFor = Math.min(MAX_TOKEN_VALIDITY_MS, c.durationMs + c.drainMs + c.catchupMs + SETUP_MARGIN_MS);
  const prepared = await prepareReadiness(deployment, stateDir, plan, validFor, log);
  const ids = prepared.conversationIds;
  const token = (u: number) => prepared.accounts.get(readinessUser(u)).accessToken;
  const senderTokens = plan.conversations.map((x) => token(x.sender));
  const result: ReadinessResult = emptyResult(c, deployment.gateways, plan, slowCount);

  // The mesh's children inherit this process's environment: the 4408 bound, when asked for.
  if (c.maxBufferedBytes !== null) process.env.PARLEY_WS_MAX_BUFFERED_BYTES = String(c.maxBufferedBytes);
  const running: RunningParley = await deployment.launch({});
  const workers = Array.from({ length: c.workers }, () => ReadinessWorker.fork(c.durationMs + c.drainMs + c.catchupMs + 15 * 60_000));
  const rest = new ParleyRest(`http://127.0.0.1:${running.ports[0]}`);
  const stamp = Date.now();
  const ackFiles = workers.map((_, w) => join(outDir, `readiness-acks-${stamp}-${w}.ndjson`));
  try {
    const memberships = membershipsOf(plan);
    const specs: ReadinessClientSpec[][] = workers.map(() => []);
    for (let i = 0; i < plan.users; i++) {
      specs[i % c.workers].push({
        index: i,
        userId: prepared.accounts.get(readinessUser(i)).userId,
        target: { host: '127.0.0.1', port: running.ports[i % running.ports.length], path: `/v1/ws?access_token=${encodeURIComponent(token(i))}` },
        slow: plan.slow[i],
        conversations: memberships[i].map((ci) => ids[ci]),
      });
    }
    const t0 = Date.now();
    const connected = await Promise.all(
      workers.map((w, i) =>
        w.request<ReadinessConnectResult>({ cmd: 'connect', clients: specs[i], concurrency: c.connectConcurrency, readyTimeoutMs: 60_000, slow: { bytesPerSecond: c.slowBytesPerSecond, pingMs: c.slowPingMs } }),
      ),
    );
    result.connect = {
      opened: connected.reduce((a, x) => a + x.opened, 0),
      failed: connected.reduce((a, x) => a + x.failed, 0),
      seconds: (Date.now() - t0) / 1000,
      errors: [...new Set(connected.flatMap((x) => x.errors))].slice(0, 5),
    };
    log(`  ${result.connect.opened}/${c.users} connected in ${result.connect.seconds.toFixed(1)} s${result.connect.errors.length ? ` (${result.connect.errors.join('; ')})` : ''}`);
    const processes = (): Record<string, number> => ({ ...running.namedPids(), ...Object.fromEntries(workers.map((w, i) => [`loadgen-${i}`, w.pid])), coordinator: process.pid });
    const rssStart = readRss(processes());
    const closes0 = await gatewayCloses(running.gatewayMetricsUrls(), '4408');
    const bases = await lastSeqs(rest, ids, senderTokens);

    const sends: ReadinessSendSpec[][] = workers.map(() => []);
    plan.conversations.forEach((x, ci) => sends[x.sender % c.workers].push({ conversationId: ids[ci], sender: x.sender, ratePerSecond: x.ratePerSecond }));
    result.loadAverageStart = loadAverage1m();
    const cpu0 = cpuByName(processes());
    const s0 = Date.now();
    await Promise.all(
      workers.map((w, i) => w.request({ cmd: 'start', start: { bases, sends: sends[i], textChars: c.textChars, maxInFlight: c.maxInFlightPerWorker, ackFile: ackFiles[i] } })),
    );
    for (let left = c.durationMs; left > 0; left -= 10_000) {
      await sleep(Math.min(10_000, left));
      log(`  sending: ${Math.round((Date.now() - s0) / 1000)} s of ${c.durationMs / 1000} s`);
    }
    const sendSeconds = (Date.now() - s0) / 1000;
    result.cpuDuringSends = cpuDelta(cpu0, cpuByName(processes()));
    await Promise.all(workers.map((w) => w.request({ cmd: 'stopSends', drainMs: c.drainMs })));
    result.loadAverageEnd = loadAverage1m();
    const lasts = await lastSeqs(rest, ids, senderTokens);
    log('  sends stopped; every client reads at full speed until it holds every seq (or the catch-up bound)');
    const reports = await Promise.all(workers.map((w) => w.request<ReadinessWorkerReport>({ cmd: 'finish', lasts, timeoutMs: c.catchupMs })));
    const rssEnd = readRss(processes());
    result.rss = Object.keys(rssStart).map<RssRow>((name) => ({ process: name, startBytes: rssStart[name], endBytes: rssEnd[name] ?? Number.NaN }));
    const closes1 = await gatewayCloses(running.gatewayMetricsUrls(), '4408');
    Object.assign(result, mergeReports(reports, sendSeconds));
    result.slow.gatewayCloses4408 = closes0 === null || closes1 === null ? null : closes1 - closes0;
    await Promise.all(workers.map((w) => w.request({ cmd: 'close' }).catch(() => undefined)));
    log('  history checker: every conversation');
    result.history = await checkHistories(`http://127.0.0.1:${running.ports[0]}`, plan.conversations.map((x) => x.kind), ids, senderTokens, ackFiles);
    return result;
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    log(`  readiness failed: ${result.error}`);
    return result;
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await running.stop();
  }
}

function readRss(named: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(named)) {
    try {
      out[name] = rssBytes(pid);
    } catch {
      out[name] = Number.NaN;
    }
  }
  return out;
}

/** parley_gateway_ws_closes_total{code} summed over the gateways; null when one cannot be read. */
async function gatewayCloses(urls: string[], code: string): Promise<number | null> {
  let sum = 0;
  const re = new RegExp(`^parley_gateway_ws_closes_total\\{[^}]*code="${code}"[^}]*\\} ([0-9.e+-]+)$`, 'gm');
  for (const url of urls) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (res.status !== 200) return null;
      for (const m of (await res.text()).matchAll(re)) sum += Number(m[1]);
    } catch {
      return null;
    }
  }
  return sum;
}

/** One history check per conversation (its sends and persisted acks against the stored history). */
async function checkHistories(baseUrl: string, kinds: string[], ids: string[], tokens: string[], ackFiles: string[]): Promise<ReadinessResult['history']> {
  const byConversation = new Map<string, AckLine[]>();
  for (const file of ackFiles) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      const a = JSON.parse(line) as AckLine;
      const list = byConversation.get(a.conversationId);
      if (list) list.push(a);
      else byConversation.set(a.conversationId, [a]);
    }
  }
  const verdicts: HistoryVerdict[] = await mapLimit(ids, 4, async (id, i) => {
    const checker = new HistoryChecker(baseUrl);
    checker.addReader(id, tokens[i]);
    const list = byConversation.get(id) ?? [];
    for (const a of list) {
      checker.recordSend({ clientId: a.senderId, senderId: a.senderId, conversationId: id, clientMsgId: a.clientMsgId, text: a.text });
      checker.recordAck({ conversationId: id, senderId: a.senderId, clientMsgId: a.clientMsgId, seq: a.seq, messageId: a.messageId, via: 'ws' });
    }
    try {
      const r = await checker.verify();
      return { conversationId: id, kind: kinds[i], acks: list.length, storedMessages: r.storedMessages, ok: true };
    } catch (err) {
      return { conversationId: id, kind: kinds[i], acks: list.length, storedMessages: Number.NaN, ok: false, error: (err instanceof Error ? err.message : String(err)).slice(0, 2000) };
    }
  });
  return {
    conversations: verdicts.length,
    passed: verdicts.filter((v) => v.ok).length,
    failed: verdicts.filter((v) => !v.ok).length,
    failures: verdicts.filter((v) => !v.ok).slice(0, MAX_HISTORY_FAILURES_SHOWN),
    verdicts,
  };
}

function emptyResult(c: ReadinessConfig, gateways: number, plan: ReturnType<typeof buildPlan>, slowCount: number): ReadinessResult {
  const groups = plan.conversations.filter((x) => x.kind === 'group').map((x) => x.members.length);
  const none: LatencySummary = summarizeLatencies([]);
  return {
    config: c,
    gateways,
    date: new Date().toISOString(),
    shape: {
      users: plan.users,
      slowUsers: slowCount,
      directs: plan.conversations.filter((x) => x.kind === 'direct').length,
      groups: groups.length,
      groupSizes: groups.length ? [Math.min(...groups), Math.max(...groups)] : [0, 0],
      groupMemberships: groups.reduce((a, n) => a + n, 0),
      bigGroup: c.bigGroup,
    },
    loadAverageStart: Number.NaN,
    loadAverageEnd: Number.NaN,
    connect: { opened: 0, failed: 0, seconds: Number.NaN, errors: [] },
    sends: { sent: 0, persisted: 0, errors: 0, heldBack: 0, unanswered: 0, seconds: Number.NaN, persistedPerSecond: Number.NaN },
    persistedAckMs: none,
    fastDeliveryMs: none,
    fastDeliveries: 0,
    slow: { clients: 0, closedClients: 0, closesByCode: {}, gatewayCloses4408: null, resumed: 0, resumedNoGap: 0 },
    fastClosesByCode: {},
    delivery: { completeClients: 0, clientsWithGaps: 0, gapExamples: [], outOfOrder: 0, reconnectFailures: 0 },
    history: { conversations: 0, passed: 0, failed: 0, failures: [], verdicts: [] },
    rss: [],
    cpuDuringSends: {},
  };
}
