import { ConnSpec } from '../loadgen/ipc';
import { LoadGenerator, LoadGeneratorOptions } from '../loadgen/load-generator';
import { SourceAddresses } from '../loadgen/source-addresses';
import { RawWsClient } from '../loadgen/ws-client';
import { cpuByName, cpuDelta, loadAverage1m, sumCpuSeconds } from '../metrics/proc-stat';
import { BenchTarget, StartOptions } from '../targets/target';
import { endRound, openSenders, sleep, waitForMessages } from './round-steps';

/** The storm's load-generator settings are part of its config (its connectConcurrency is the storm's). */
export interface StormConfig extends LoadGeneratorOptions {
  /** Clients that drop and reconnect at once (all members of the group). */
  clients: number;
  /** Messages sent while they are away, which each must get on resume. */
  missed: number;
  /** Give up waiting for the catch-up after this long without progress. */
  stallMs: number;
}

export interface StormRound {
  target: string;
  round: number;
  loadAverage: number;
  clients: number;
  missed: number;
  /** Clients back (ready) after the storm, and those that failed to reconnect. */
  reconnected: number;
  failed: number;
  /** From the first reconnect attempt: all ready, and all caught up (every missed message received). */
  allReadySeconds: number;
  allCaughtUpSeconds: number;
  caughtUp: number;
  /** Clients that got more than they asked for (a duplicate). */
  over: number;
  /** Message-store reads the storm caused (null: the target has no store). */
  storeReads: number | null;
  serverCpuSeconds: number;
  dataCpuSeconds: number;
  /** Per named process (the mesh's gateway, presence, ...), CPU seconds over the storm. */
  cpuByProcess: Record<string, number>;
  namedPids: Record<string, number>;
  /** hrtime (ns) from the first reconnect to all caught up, to cut a CPU profile to the storm. */
  windowNs: [string, string] | null;
  error?: string;
}

/**
 * Reconnect storm: `clients` members are connected and current; they all drop (a gateway restart, a
 * network blip); `missed` messages are posted meanwhile; then they all reconnect at once, each asking
 * for what it missed (Parley: `sync` after the last seq it holds). Measures the time until every one
 * is back and caught up, the server CPU it took, and the message-store reads it caused.
 */
export async function runStormRound(
  target: BenchTarget,
  round: number,
  c: StormConfig,
  addresses: SourceAddresses,
  log: (line: string) => void,
  startOptions: StartOptions = {},
): Promise<StormRound> {
  const session = await target.start({ connections: c.clients, members: c.clients }, startOptions);
  const named = session.namedPids?.() ?? {};
  const loadgen = new LoadGenerator(c);
  const result: StormRound = {
    target: target.name,
    round,
    loadAverage: loadAverage1m(),
    clients: c.clients,
    missed: c.missed,
    reconnected: 0,
    failed: 0,
    allReadySeconds: Number.NaN,
    allCaughtUpSeconds: Number.NaN,
    caughtUp: 0,
    over: 0,
    storeReads: null,
    serverCpuSeconds: Number.NaN,
    dataCpuSeconds: Number.NaN,
    cpuByProcess: {},
    namedPids: named,
    windowNs: null,
  };
  let senders: RawWsClient[] = [];
  try {
    loadgen.start();
    const spec = (i: number, greeting?: string): ConnSpec => ({
      target: { ...session.receiver(i), localAddress: addresses.take() },
      dialect: session.dialect,
      full: false,
      member: true,
      ...(greeting === undefined ? {} : { greeting }),
    });
    // 1. Everyone connected and current: one message that all of them receive.
    const first = await loadgen.connect(Array.from({ length: c.clients }, (_, i) => spec(i)));
    if (first.failed > 0) throw new Error(`${first.failed} of ${c.clients} clients failed to connect before the storm (${first.errors.join('; ')})`);
    senders = await openSenders(session, addresses, c.readyTimeoutMs, () => undefined);
    let sent = 0;
    const sendOne = () => {
      const frame = session.senderFrame(sent++, process.hrtime.bigint());
      for (const s of senders) s.sendText(frame);
    };
    await loadgen.mark();
    sendOne();
    await waitForMessages(loadgen, 1, c.stallMs);
    const held = await session.resume.lastSeq(sent);

    // 2. They all drop; messages go on meanwhile.
    await loadgen.closeAll();
    await sleep(1000);
    for (let i = 0; i < c.missed; i++) {
      sendOne();
      await sleep(10);
    }
    const until = Date.now() + 30_000;
    while ((await session.resume.lastSeq(sent)) < held + c.missed) {
      if (Date.now() > until) throw new Error(`the ${c.missed} messages sent while clients were away were not all stored within 30 s`);
      await sleep(100);
    }
    await sleep(500);

    // 3. The storm: every client reconnects at once and asks for what it missed.
    const pids = session.serverPids();
    const dataPids = session.dataPids?.() ?? [];
    const reads0 = await session.resume.storeReads();
    const cpu0 = sumCpuSeconds(pids);
    const data0 = sumCpuSeconds(dataPids);
    const byName0 = cpuByName(named);
    const expected = session.resume.answerFrames(c.missed);
    const resume = session.resume.frame(held);
    const t0 = process.hrtime.bigint();
    let readyAt: bigint | null = null;
    const connecting = loadgen.connect(Array.from({ length: c.clients }, (_, i) => spec(i, resume)), c.clients).then((r) => {
      readyAt = process.hrtime.bigint();
      return r;
    });
    const caught = await waitForMessages(loadgen, expected, c.stallMs, () => readyAt !== null);
    const t1 = process.hrtime.bigint();
    const back = await connecting;
    result.reconnected = back.opened;
    result.failed = back.failed;
    result.allReadySeconds = readyAt === null ? Number.NaN : Number((readyAt as bigint) - t0) / 1e9;
    result.caughtUp = caught.membersExact;
    result.over = caught.membersOver;
    result.allCaughtUpSeconds = caught.membersExact + caught.membersOver === c.clients ? Number(t1 - t0) / 1e9 : Number.NaN;
    result.serverCpuSeconds = sumCpuSeconds(pids) - cpu0;
    result.dataCpuSeconds = sumCpuSeconds(dataPids) - data0;
    result.cpuByProcess = cpuDelta(byName0, cpuByName(named));
    result.windowNs = [String(t0), String(t1)];
    const reads1 = await session.resume.storeReads();
    result.storeReads = reads0 === null || reads1 === null ? null : reads1 - reads0;
    log(
      `  ${target.name} storm round ${round}: ${back.opened}/${c.clients} back in ${result.allReadySeconds.toFixed(1)} s, ` +
        `${result.caughtUp} caught up in ${result.allCaughtUpSeconds.toFixed(1)} s, store reads ${result.storeReads ?? 'n/a'}, ` +
        `server CPU ${result.serverCpuSeconds.toFixed(1)} s` +
        (Object.keys(result.cpuByProcess).length ? ` (${Object.entries(result.cpuByProcess).map(([n, s]) => `${n} ${s.toFixed(2)}`).join(', ')})` : '') +
        (back.errors.length ? ` (errors: ${back.errors.join('; ')})` : ''),
    );
    return result;
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    log(`  ${target.name} storm round ${round} failed: ${result.error}`);
    return result;
  } finally {
    await endRound(senders, loadgen, session, log);
  }
}
