/**
 * Lazy fan-out at scale: one group of 10,000 members, every member connected, half through each of
 * two gateways of the mesh; three members send while one gateway is SIGKILLed mid-stream. The
 * members of the dead gateway reconnect to the other one and resume with `sync` from the last seq
 * they hold. Every member must end with every message exactly once (after dedupe by seq across the
 * reconnect), each connection in increasing seq, and the store must be dense 1..N with every
 * acknowledged message in it. Mesh target only (test/run-all.sh runs it after the fault tests).
 *
 * The receivers live in forked worker processes (receiver-worker.cjs): 10,000 sockets fit under
 * this process's 20,000-file limit, but spreading them keeps each process's event loop and memory
 * small, and several 127.0.0.x source addresses keep the ephemeral ports from running out.
 *
 * PARLEY_SCALE_MEMBERS (default 10000) shrinks the group for a quick local run.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WireConversation } from '../support/contract';
import { HistoryChecker, restHistoryReader, type StoredHistory } from '../support/history-checker';
import type { ParleyProcess } from '../support/parley-process';
import { restOk } from '../support/rest';
import { useParley } from '../support/suite';
import { eventually, sleep } from '../support/wait';
import { TestSocket } from '../support/ws-client';
import { inParallel, registerMember, type Member } from '../support/scale-users';

const MEMBERS = membersSetting(process.env.PARLEY_SCALE_MEMBERS);
const WORKERS = 4;
const SENDERS = 3;
const PER_SENDER = 20;
const TOTAL = SENDERS * PER_SENDER;
/** Gateway index killed mid-stream (`gateway-2` in meshPids()); the other one survives. */
const KILLED = 1;
const SURVIVOR = 0;
const REGISTER_CONCURRENCY = 32;
/** Upgrades in flight per worker while the members first connect. */
const OPEN_CONCURRENCY = 24;
/** Source addresses for the members' sockets (all of 127.0.0.0/8 is loopback on Linux). */
const LOCAL_ADDRESSES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);
/** Pause between one sender's messages, so the stream is still going while members move over. */
const SEND_PACE_MS = 150;
const SEND_ATTEMPTS = 8;
const TEST_TIMEOUT_MS = 20 * 60_000;
const IPC_TIMEOUT_MS = 60_000;

const parley = useParley({
  env: {
    PARLEY_MESH_GATEWAYS: '2',
    PARLEY_PASSWORD_HASH_COST: 'test',
    PARLEY_SEND_RATE_PER_SECOND: '1000',
    // The members' tokens must outlive the whole test, reconnect included.
    PARLEY_ACCESS_TOKEN_TTL_SECONDS: '900',
  },
});


interface WorkerStatus {
  members: number;
  open: number;
  onGateway: number[];
  complete: number;
  reconnecting: number;
  syncing: number;
  gaveUp: number;
  violations: number;
  minContiguous: number;
  rssBytes: number;
}

interface MemberSummary {
  userId: string;
  firstGateway: number;
  gateway: number;
  open: boolean;
  connections: number;
  closes: number[];
  contiguous: number;
  missing: number[];
  beyondTarget: number;
  redeliveries: number;
  syncs: number;
  failedAttempts: number;
  syncErrors: number;
  violationCount: number;
  violations: string[];
}

describe('lazy fan-out to a 10,000-member group across two gateways', () => {
  const workers: ReceiverWorker[] = [];
  const senders: Sender[] = [];
  afterAll(async () => {
    for (const s of senders) s.close();
    await Promise.all(workers.map((w) => w.close()));
  });

  scaleTest(`${MEMBERS} members, ${SENDERS} senders, one gateway SIGKILLed mid-stream: every member gets every message once, in order`, async () => {
    const started = Date.now();
    const log = (what: string) => process.stderr.write(`[scale +${Math.round((Date.now() - started) / 1000)} s] ${what}\n`);
    const gateways = parley.current.gatewayUrls();
    expect(gateways).toHaveLength(2);
    const rest0 = gateways[SURVIVOR].baseUrl;

    // 1. Register the members through both gateways.
    const runId = randomBytes(3).toString('hex');
    const members: Member[] = new Array(MEMBERS);
    await inParallel(MEMBERS, REGISTER_CONCURRENCY, async (i) => {
      members[i] = await registerMember(gateways[i % 2].baseUrl, `sc${runId}_${i}`);
    });
    log(`registered ${MEMBERS} users`);

    // 2. One group: the creator and up to 999 others, then the rest in chunks of 1000.
    const creator = members[0];
    const ids = members.map((m) => m.userId);
    const group = await restOk<WireConversation>(rest0, 'POST', '/v1/conversations', 201, {
      token: creator.token,
      json: { type: 'group', title: `scale ${runId}`, member_ids: ids.slice(1, 1000) },
    });
    for (let i = 1000; i < MEMBERS; i += 1000) {
      await restOk(rest0, 'POST', `/v1/conversations/${group.id}/members`, 200, { token: creator.token, json: { user_ids: ids.slice(i, i + 1000) } });
    }
    const created = await restOk<WireConversation>(rest0, 'GET', `/v1/conversations/${group.id}`, 200, { token: creator.token });
    expect(created.member_count).toBe(MEMBERS);
    log(`group ${group.id} has ${created.member_count} members`);

    // 3. Connect every member: member i through gateway i % 2, spread over the workers.
    for (let w = 0; w < WORKERS; w++) workers.push(new ReceiverWorker(w));
    const opened = await Promise.all(
      workers.map((worker, w) =>
        worker.request<{ opened: number; failures: string[]; error?: string }>(
          {
            type: 'start',
            gateways: gateways.map((g) => g.wsUrl),
            conversationId: group.id,
            localAddresses: LOCAL_ADDRESSES,
            maxSeq: TOTAL + 20,
            openConcurrency: OPEN_CONCURRENCY,
            clients: members.flatMap((m, i) => (i % WORKERS === w ? [{ userId: m.userId, token: m.token, gateway: i % 2 }] : [])),
          },
          10 * 60_000,
        ),
      ),
    );
    for (const o of opened) if (o.error !== undefined) throw new Error(`a receiver worker failed: ${o.error}`);
    const failures = opened.flatMap((o) => o.failures);
    expect({ opened: opened.reduce((n, o) => n + o.opened, 0), failures }).toEqual({ opened: MEMBERS, failures: [] });
    let status = await statusOfAll(workers, TOTAL);
    log(`connected ${status.open} members (${status.onGateway.join(' + ')}); receiver workers' rss ${mib(status.rssBytes)} MiB in all`);
    for (const [i, g] of gateways.entries()) log(`gateway ${g.baseUrl}: ${await memoryOf(await gatewayMetricsUrl(i))}`);

    // 4. Three senders over WebSocket, one per gateway in turn; the history checker records their
    //    sends, acks and deliveries.
    const checker = new HistoryChecker(capturingReader(rest0));
    checker.addReader(group.id, creator.token);
    for (let s = 0; s < SENDERS; s++) senders.push(new Sender(s, members[1 + s], s % 2, gateways, checker, `${runId}-s${s}`));
    await Promise.all(senders.map((s) => s.connect()));
    let acked = 0;
    const sending = Promise.all(
      senders.map((s) =>
        s.run(group.id, () => {
          acked++;
        }),
      ),
    );
    sending.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile

    // 5. Mid-stream, SIGKILL the second gateway; its members move to the first one.
    await eventually('a third of the messages is acknowledged', async () => expect(acked).toBeGreaterThanOrEqual(TOTAL / 3), 120_000);
    const pids = parley.current.meshPids();
    const killedPid = pids['gateway-2'];
    const survivorPid = pids.gateway;
    if (typeof killedPid !== 'number' || typeof survivorPid !== 'number') throw new Error(`no gateway pids in ${JSON.stringify(pids)}`);
    const killedPeak = peakRssMiB(killedPid);
    process.kill(killedPid, 'SIGKILL');
    log(`SIGKILLed gateway-2 (pid ${killedPid}, peak rss ${killedPeak} MiB) after ${acked} acks`);
    await eventually('the killed gateway is gone', async () => expect(isAlive(killedPid)).toBe(false), 30_000);

    await withTimeout(sending, 6 * 60_000, 'the senders did not finish');
    expect(acked).toBe(TOTAL);
    log(`all ${TOTAL} messages acknowledged (${senders.map((s) => `sender ${s.index}: ${s.connections} connection(s)`).join(', ')})`);

    // 6. Wait until every member holds every message and is connected again, or a member saw a
    //    violation (step 7 lists them). The store is read only then: meanwhile the surviving
    //    gateway is busy with the dead one's members.
    const settleBy = Date.now() + 6 * 60_000;
    for (;;) {
      status = await statusOfAll(workers, TOTAL);
      const settled = status.open === MEMBERS && status.complete === MEMBERS && status.reconnecting === 0 && status.syncing === 0;
      if (settled || status.violations > 0 || status.gaveUp > 0) break;
      if (Date.now() > settleBy) throw new Error(`not every member is connected with every message after 6 minutes: ${JSON.stringify(status)}`);
      await sleep(500);
    }
    log(`members settled: ${status.complete} hold all ${TOTAL} messages, open ${status.onGateway.join(' + ')}, ${status.violations} violations; workers' rss ${mib(status.rssBytes)} MiB`);
    const lastSeq = (await restOk<WireConversation>(rest0, 'GET', `/v1/conversations/${group.id}`, 200, { token: creator.token })).last_seq;
    expect(lastSeq).toBe(TOTAL);

    // 7. Per member: no violation seen as frames arrived, every seq 1..N held, and the right number
    //    of connections (the dead gateway's members resumed on the survivor, the others never moved).
    const reports = await Promise.all(
      workers.map((w) => w.request<{ members: MemberSummary[]; idBySeq: Array<[number, string]>; failureReasons: Array<[string, number]> }>({ type: 'report', target: TOTAL })),
    );
    const summaries = reports.flatMap((r) => r.members);
    expect(summaries).toHaveLength(MEMBERS);
    const redeliveries = summaries.reduce((n, m) => n + m.redeliveries, 0);
    const failedAttempts = summaries.reduce((n, m) => n + m.failedAttempts, 0);
    const syncErrors = summaries.reduce((n, m) => n + m.syncErrors, 0);
    const reasons = new Map<string, number>();
    for (const r of reports) for (const [reason, n] of r.failureReasons) reasons.set(reason, (reasons.get(reason) ?? 0) + n);
    log(`resume: ${failedAttempts} failed reconnect attempts, ${syncErrors} refused syncs${reasons.size > 0 ? `: ${[...reasons].map(([r, n]) => `${n} x ${r}`).join('; ')}` : ''}`);
    const problems: string[] = [];
    for (const m of summaries) {
      const where = `member ${m.userId} (first on gateway ${m.firstGateway})`;
      if (m.violationCount > 0) problems.push(`${where}: ${m.violationCount} violation(s): ${m.violations.join('; ')}`);
      if (m.contiguous !== TOTAL || m.missing.length > 0 || m.beyondTarget > 0) {
        problems.push(`${where}: holds 1..${m.contiguous}, missing ${m.missing.join(',') || 'none'}, ${m.beyondTarget} beyond seq ${TOTAL}`);
      }
      if (m.firstGateway === KILLED && !(m.gateway === SURVIVOR && m.connections >= 2 && m.syncs >= 1)) {
        problems.push(`${where}: did not resume on gateway ${SURVIVOR} (now on ${m.gateway}, ${m.connections} connections, ${m.syncs} syncs, closes ${m.closes.join(',')})`);
      }
      if (m.firstGateway === SURVIVOR && m.connections !== 1) {
        problems.push(`${where}: the surviving gateway dropped it (${m.connections} connections, closes ${m.closes.join(',')})`);
      }
    }
    expect({ problems: problems.length, first: problems.slice(0, 15) }).toEqual({ problems: 0, first: [] });

    // 8. The store: dense 1..N, every ack stored, the senders' connections in order; and every id
    //    a member received at a seq is the stored message's.
    const report = await checker.verify();
    expect(report.storedMessages).toBe(TOTAL);
    expect(report.acks).toBeGreaterThanOrEqual(TOTAL);
    const stored = new Map(capturedHistory.get(group.id)?.messages.map((m) => [m.seq, m.id]) ?? []);
    expect(stored.size).toBe(TOTAL);
    const wrongIds = reports.flatMap((r) => r.idBySeq.filter(([seq, id]) => stored.get(seq) !== id).map(([seq, id]) => `seq ${seq}: received id ${id}, stored ${stored.get(seq)}`));
    expect(wrongIds).toEqual([]);

    const survivorPeak = peakRssMiB(survivorPid);
    log(`surviving gateway now: ${await memoryOf(await gatewayMetricsUrl(SURVIVOR))}`);
    log(
      `passed: ${MEMBERS} members x ${TOTAL} messages; ${summaries.filter((m) => m.firstGateway === KILLED).length} resumed on the survivor ` +
        `(${redeliveries} repeated copies after resume, deduped by seq); peak rss: killed gateway ${killedPeak} MiB, surviving gateway ${survivorPeak} MiB`,
    );
  });
});

/** `test` with this file's own bound, whose failure carries the tail of the mesh's log. */
function scaleTest(name: string, fn: () => Promise<void>): void {
  test(
    name,
    async () => {
      try {
        await fn();
      } catch (err) {
        const p: ParleyProcess | null = parley.started();
        if (err instanceof Error && p !== null) err.message += `\n\n--- the mesh: last log lines ---\n${p.logs() || '(no output)'}`;
        throw err;
      }
    },
    TEST_TIMEOUT_MS,
  );
}

function membersSetting(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 10_000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 8 || n > 10_000) throw new Error(`PARLEY_SCALE_MEMBERS must be an integer from 8 to 10000, got "${raw}"`);
  return n;
}

/** What the history checker read from the store, kept to compare the ids the members received. */
const capturedHistory = new Map<string, StoredHistory>();

function capturingReader(baseUrl: string) {
  const read = restHistoryReader(baseUrl);
  return async (conversationId: string, token: string): Promise<StoredHistory> => {
    const history = await read(conversationId, token);
    capturedHistory.set(conversationId, history);
    return history;
  };
}

/**
 * One sender: sends its messages one after another over WebSocket and waits for each persisted
 * ack. When its socket closes (its gateway died) it reconnects to the next gateway and sends the
 * unacknowledged message again with the same client_msg_id, which must not create a second one.
 */
class Sender {
  private socket: TestSocket | null = null;
  connections = 0;

  constructor(
    readonly index: number,
    private readonly member: Member,
    private gateway: number,
    private readonly gateways: Array<{ wsUrl: string }>,
    private readonly checker: HistoryChecker,
    private readonly msgIdPrefix: string,
  ) {}

  async connect(): Promise<void> {
    let last: unknown = null;
    for (let attempt = 0; attempt < 10; attempt++) {
      if (attempt > 0) await sleep(Math.min(5_000, 250 * 2 ** attempt));
      try {
        this.socket = await TestSocket.open(this.gateways[this.gateway].wsUrl, this.member.token, {
          checker: this.checker,
          clientId: `sender${this.index}`,
          timeoutMs: 30_000,
        });
        this.connections++;
        return;
      } catch (err) {
        last = err;
      }
    }
    throw new Error(`sender ${this.index} could not connect to gateway ${this.gateway}: ${String(last)}`);
  }

  async run(conversationId: string, onAck: () => void): Promise<void> {
    for (let n = 0; n < PER_SENDER; n++) {
      const clientMsgId = `${this.msgIdPrefix}-m${n}`;
      let last: unknown = null;
      for (let attempt = 0; ; attempt++) {
        if (attempt >= SEND_ATTEMPTS) throw new Error(`sender ${this.index}: message ${n} not acknowledged after ${SEND_ATTEMPTS} attempts: ${String(last)}`);
        if (this.socket === null || this.socket.closeResult !== null) {
          this.gateway = (this.gateway + 1) % this.gateways.length;
          await this.connect();
        }
        try {
          await (this.socket as TestSocket).sendMessage(conversationId, `sender ${this.index} message ${n}`, clientMsgId, 60_000);
          break;
        } catch (err) {
          last = err;
          await sleep(500);
        }
      }
      onAck();
      await sleep(SEND_PACE_MS);
    }
  }

  close(): void {
    if (this.socket !== null && this.socket.closeResult === null) void this.socket.close();
  }
}

/** A forked receiver-worker.cjs, spoken to by request and reply over IPC. */
class ReceiverWorker {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private nextId = 1;
  private exited = false;
  private readonly exit: Promise<void>;

  constructor(readonly index: number) {
    const script = join(__dirname, 'receiver-worker.cjs');
    if (!existsSync(script)) throw new Error(`${script} is missing`);
    this.child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
    this.exit = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        for (const p of this.pending.values()) {
          clearTimeout(p.timer);
          p.reject(new Error(`receiver worker ${index} exited (code ${code}, signal ${signal})`));
        }
        this.pending.clear();
        resolve();
      });
    });
    this.child.on('message', (msg: { type?: string; id?: number }) => {
      if (msg?.type !== 'reply' || typeof msg.id !== 'number') return;
      const p = this.pending.get(msg.id);
      if (p === undefined) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      p.resolve(msg);
    });
  }

  request<T>(message: Record<string, unknown>, timeoutMs = IPC_TIMEOUT_MS): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`receiver worker ${this.index} has exited`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`receiver worker ${this.index}: no answer to ${String(message.type)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.child.send({ ...message, id });
    });
  }

  /** Asks the worker to close its sockets and exit; SIGKILLs it if it has not within 10 s. */
  async close(): Promise<void> {
    if (this.exited) return;
    await this.request({ type: 'close' }, 10_000).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exit;
    clearTimeout(timer);
  }
}

async function statusOfAll(workers: ReceiverWorker[], target: number): Promise<WorkerStatus> {
  const all = await Promise.all(workers.map((w) => w.request<WorkerStatus>({ type: 'status', target })));
  return all.reduce((sum, s) => ({
    members: sum.members + s.members,
    open: sum.open + s.open,
    onGateway: sum.onGateway.map((n, i) => n + (s.onGateway[i] ?? 0)),
    complete: sum.complete + s.complete,
    reconnecting: sum.reconnecting + s.reconnecting,
    syncing: sum.syncing + s.syncing,
    gaveUp: sum.gaveUp + s.gaveUp,
    violations: sum.violations + s.violations,
    minContiguous: Math.min(sum.minContiguous, s.minContiguous),
    rssBytes: sum.rssBytes + s.rssBytes,
  }));
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** The process's peak resident memory (VmHWM), in MiB; -1 if it cannot be read. */
function peakRssMiB(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? -1 : Math.round(Number(match[1]) / 1024);
  } catch (err) {
    process.stderr.write(`[scale] cannot read the memory of pid ${pid}: ${(err as Error).message}\n`);
    return -1;
  }
}

/** Gateway i's /metrics, on its admin port (the mesh names gateways `gateway`, `gateway-2`, ...). */
async function gatewayMetricsUrl(i: number): Promise<string | undefined> {
  return (await parley.current.metricsUrls())[i === 0 ? 'gateway' : `gateway-${i + 1}`];
}

/** Resident, heap and external memory as the gateway's own /metrics reports them (for the log). */
async function memoryOf(metricsUrl: string | undefined): Promise<string> {
  const res = { text: metricsUrl ? await fetch(metricsUrl).then((r) => r.text(), () => '') : '' };
  const names = ['process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_external_memory_bytes'];
  return names
    .map((name) => {
      const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(res.text);
      return `${name.replace(/_bytes$/, '')} ${match === null ? '?' : mib(Number(match[1]))} MiB`;
    })
    .join(', ');
}

function mib(bytes: number): number {
  return Math.round(bytes / (1024 * 1024));
}
