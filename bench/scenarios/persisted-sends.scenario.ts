import { randomBytes } from 'node:crypto';
import { SourceAddresses } from '../loadgen/source-addresses';
import { RawWsClient } from '../loadgen/ws-client';
import { cpuByName, cpuDelta, loadAverage1m, sumCpuSeconds, sumTreeCpuSeconds } from '../metrics/proc-stat';
import { LatencySummary, summarizeLatencies } from '../metrics/stats';
import { PersistedSendsTarget } from '../targets/parley/parley.target';
import { StartOptions } from '../targets/target';

export interface SendsConfig {
  senders: number;
  /** Sends each sender keeps in flight (sent, persisted ack not yet back). */
  window: number;
  warmupMs: number;
  durationMs: number;
  textChars: number;
  /** 0: each sender keeps `window` in flight (saturation). N: N sends/s in all, paced, at most `window` in flight per sender. */
  ratePerSecond: number;
  readyTimeoutMs: number;
  /** After the window, how long to wait for the acks still in flight. */
  drainMs: number;
}

export interface SendsRound {
  target: string;
  round: number;
  loadAverage: number;
  senders: number;
  window: number;
  /** Pace of the sends in all (0: saturating, `window` in flight per sender). */
  ratePerSecond: number;
  /** Paced sends not sent because their sender already had `window` in flight. */
  heldBack: number;
  /** Persisted acks for sends issued inside the measured window, and the window's length. */
  persisted: number;
  seconds: number;
  sendsPerSecond: number;
  serverCpuSeconds: number;
  sendsPerCpuSecond: number;
  /** CPU of the data systems in the window (the mesh's Kafka, Cassandra, Postgres, Redis; 0 standalone). */
  dataCpuSeconds: number;
  /** CPU seconds by process over the window (the mesh: where the work went). */
  cpuByProcess: Record<string, number>;
  /** The server side's processes by name. */
  namedPids: Record<string, number>;
  /** Send to `received` ack and send to `persisted` ack. */
  receivedAckMs: LatencySummary;
  persistedAckMs: LatencySummary;
  errors: number;
  /** Sender connections dropped before ready once and opened on a second try. */
  retried: number;
  /** Sends of the window whose persisted ack never came within the drain time. */
  unanswered: number;
  /**
   * Sends of the round the server answered with a stored original instead of storing them (their
   * client_msg_id was already claimed); null when the target cannot tell. Not a fresh-send
   * measurement when above 0.
   */
  repeats: number | null;
  windowNs: [string, string] | null;
  error?: string;
}

interface AckFrame {
  type: string;
  status?: string;
  client_msg_id?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Persisted-send throughput: `senders` clients, each posting into its own group with `window` sends
 * in flight, as fast as the server acknowledges them as persisted. Measures sends/s, send-to-ack
 * latency, and sends per server CPU-second.
 */
export async function runSendsRound(target: PersistedSendsTarget, round: number, c: SendsConfig, addresses: SourceAddresses, startOptions: StartOptions): Promise<SendsRound> {
  const session = await target.startForSends(c.senders, startOptions);
  const result: SendsRound = {
    target: target.name,
    round,
    loadAverage: loadAverage1m(),
    senders: c.senders,
    window: c.window,
    ratePerSecond: c.ratePerSecond,
    heldBack: 0,
    persisted: 0,
    seconds: 0,
    sendsPerSecond: Number.NaN,
    serverCpuSeconds: Number.NaN,
    sendsPerCpuSecond: Number.NaN,
    dataCpuSeconds: Number.NaN,
    cpuByProcess: {},
    namedPids: session.namedPids(),
    receivedAckMs: summarizeLatencies([]),
    persistedAckMs: summarizeLatencies([]),
    errors: 0,
    retried: 0,
    unanswered: 0,
    repeats: null,
    windowNs: null,
  };
  const clients: RawWsClient[] = [];
  let phase: 'warmup' | 'measure' | 'drain' | 'done' = 'warmup';
  const receivedMs: number[] = [];
  const persistedMs: number[] = [];
  let measuredSent = 0;
  let measuredPersisted = 0;
  const paced: Array<{ inFlight: Map<string, unknown>; sendOne: () => void }> = [];
  let ticker: NodeJS.Timeout | null = null;
  try {
    const pad = 'x'.repeat(c.textChars);
    // client_msg_ids unique to this run: a state directory (its groups) is reused across runs, and
    // a repeated id is answered from the store, which is not the path being measured.
    const runId = randomBytes(6).toString('hex');
    const repeats0 = await session.repeatsAnswered();
    let counter = 0;
    for (const s of session.senders) {
      const inFlight = new Map<string, { sentNs: bigint; measured: boolean }>();
      let client: RawWsClient | null = null;
      const sendOne = () => {
        if (!client || (phase !== 'warmup' && phase !== 'measure')) return;
        const id = `s-${runId}-${round}-${++counter}`;
        const measured = phase === 'measure';
        if (measured) measuredSent++;
        inFlight.set(id, { sentNs: process.hrtime.bigint(), measured });
        client.sendText(JSON.stringify({ type: 'send', conversation_id: s.conversationId, client_msg_id: id, body: { text: pad } }));
      };
      client = await RawWsClient.openRetrying(
        { ...s.target, localAddress: addresses.take() },
        {
          dialect: 'parley',
          full: true,
          readyTimeoutMs: c.readyTimeoutMs,
          onText: (text, at) => {
            const f = JSON.parse(text) as AckFrame;
            if (f.type === 'error') {
              result.errors++;
              if (f.client_msg_id && inFlight.delete(f.client_msg_id) && c.ratePerSecond === 0) sendOne();
              return;
            }
            if (f.type !== 'ack' || !f.client_msg_id) return;
            const entry = inFlight.get(f.client_msg_id);
            if (!entry) return;
            const ms = Number(at - entry.sentNs) / 1e6;
            if (f.status === 'received') {
              if (entry.measured) receivedMs.push(ms);
              return;
            }
            if (f.status !== 'persisted') return;
            inFlight.delete(f.client_msg_id);
            if (entry.measured) {
              persistedMs.push(ms);
              measuredPersisted++;
            }
            if (c.ratePerSecond === 0) sendOne();
          },
        },
        2,
        () => result.retried++,
      );
      clients.push(client);
      if (c.ratePerSecond === 0) for (let i = 0; i < c.window; i++) sendOne();
      else paced.push({ inFlight, sendOne });
    }
    if (c.ratePerSecond > 0) ticker = pace(c.ratePerSecond, c.window, paced, () => result.heldBack++);
    await sleep(c.warmupMs);
    const pids = session.serverPids();
    const dataPids = session.dataPids();
    const cpu0 = sumCpuSeconds(pids);
    const data0 = sumTreeCpuSeconds(dataPids);
    const byName0 = cpuByName(session.namedPids());
    const t0 = process.hrtime.bigint();
    phase = 'measure';
    await sleep(c.durationMs);
    phase = 'drain';
    const t1 = process.hrtime.bigint();
    const drainUntil = Date.now() + c.drainMs;
    while (measuredPersisted + result.errors < measuredSent && Date.now() < drainUntil) await sleep(50);
    const cpu = sumCpuSeconds(pids) - cpu0;
    result.dataCpuSeconds = sumTreeCpuSeconds(dataPids) - data0;
    result.cpuByProcess = cpuDelta(byName0, cpuByName(session.namedPids()));
    phase = 'done';
    const seconds = Number(t1 - t0) / 1e9;
    result.persisted = measuredPersisted;
    result.seconds = seconds;
    result.sendsPerSecond = measuredPersisted / seconds;
    result.serverCpuSeconds = cpu;
    result.sendsPerCpuSecond = cpu > 0 ? measuredPersisted / cpu : Number.NaN;
    result.receivedAckMs = summarizeLatencies(receivedMs);
    result.persistedAckMs = summarizeLatencies(persistedMs);
    result.unanswered = Math.max(0, measuredSent - measuredPersisted);
    result.windowNs = [String(t0), String(t1)];
    const repeats1 = await session.repeatsAnswered();
    result.repeats = repeats0 === null || repeats1 === null ? null : repeats1 - repeats0;
    return result;
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    return result;
  } finally {
    phase = 'done';
    if (ticker) clearInterval(ticker);
    for (const cl of clients) cl.close();
    await session.stop();
  }
}

/**
 * Sends `rate` per second in all, round-robin over the senders, from a 5 ms ticker that catches up
 * to the schedule (so timer lateness does not lower the rate). A sender with `window` in flight
 * skips its turn (counted).
 */
function pace(rate: number, window: number, senders: Array<{ inFlight: Map<string, unknown>; sendOne: () => void }>, onHeldBack: () => void): NodeJS.Timeout {
  const start = process.hrtime.bigint();
  let sent = 0;
  let next = 0;
  return setInterval(() => {
    const due = Math.floor((Number(process.hrtime.bigint() - start) / 1e9) * rate);
    for (; sent < due; sent++) {
      const s = senders[next++ % senders.length];
      if (s.inFlight.size >= window) onHeldBack();
      else s.sendOne();
    }
  }, 5);
}
