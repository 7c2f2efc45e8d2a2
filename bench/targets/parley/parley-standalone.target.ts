import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { stampedText } from '../../loadgen/fanout-frames';
import { ConnectTarget } from '../../loadgen/ws-client';
import { profileFlags } from '../bare-uws.target';
import { freePort, ServerProcess } from '../server-process';
import { BenchTarget, FANOUT_TEXT_CHARS, FanoutShape, HeapReading, StartOptions, TargetSession } from '../target';
import { BenchAccounts } from './bench-accounts';
import { ParleyRest } from './rest';

export interface ParleyStandaloneOptions {
  /** Checkout whose dist/apps/standalone/src/main.js is the Parley under test. */
  parleyRoot: string;
  /** Holds the standalone data directory and the bench accounts file; reused across runs. */
  stateDir: string;
  /** Users that post in the persisted-sends scenario (each into a group of its own). */
  sendSenders: number;
  /** Every access token handed to clients stays valid at least this long (a round must end before). */
  tokenValidityMs: number;
}

/** A sender of the persisted-sends scenario: its socket and its conversation. */
export interface SendsSender {
  target: ConnectTarget;
  conversationId: string;
}

export interface SendsSession {
  serverPids(): number[];
  senders: SendsSender[];
  stop(): Promise<void>;
}

/** A target that persists what it is sent, so its persisted-ack throughput can be measured. */
export interface PersistedSendsTarget {
  startForSends(senders: number, options: StartOptions): Promise<SendsSession>;
}

const SENDER = 'bench-s';
/** A profiled process writes its profile at exit, which takes a while after a long run. */
const PROFILED_STOP_GRACE_MS = 120_000;
/**
 * When tokens are renewed, every token that would expire within this horizon is (access tokens live
 * at most 15 minutes), so one renewal covers several rounds instead of trickling one per round.
 */
const REFRESH_HORIZON_MS = 14 * 60_000;
const receiverName = (i: number) => `bench-r${String(i).padStart(6, '0')}`;
const sendsSenderName = (i: number) => `bench-t${String(i).padStart(3, '0')}`;

/**
 * Standalone Parley (one process: gateway, services and embedded stores), driven only through its
 * public API: users registered over REST (once per state directory), one group with every member,
 * clients on `/v1/ws?access_token=...`, sends as `send` frames from a member.
 */
export class ParleyStandaloneTarget implements BenchTarget, PersistedSendsTarget {
  readonly name = 'parley' as const;
  private readonly accounts: BenchAccounts;
  private readonly dataDir: string;
  private fanoutGroup: { key: string; id: string } | null = null;
  private readonly sendsGroups: string[] = [];

  constructor(private readonly o: ParleyStandaloneOptions) {
    mkdirSync(o.stateDir, { recursive: true });
    this.dataDir = join(o.stateDir, 'data');
    this.accounts = new BenchAccounts(join(o.stateDir, 'accounts.json'));
  }

  async prepare(shape: FanoutShape, log: (line: string) => void): Promise<void> {
    await this.withServer(async (rest) => {
      const names = this.usernames(shape);
      if (this.accounts.missing(names) > 0 || this.accounts.stale(names, this.o.tokenValidityMs) > 0) await this.accounts.ensure(rest, names, REFRESH_HORIZON_MS, log);
      const members = Array.from({ length: shape.members }, (_, i) => receiverName(i));
      const key = `fanout-${shape.members}`;
      log(`ensuring group ${key} (${shape.members + 1} members)`);
      this.fanoutGroup = { key, id: await this.accounts.ensureGroup(rest, key, SENDER, members) };
      this.sendsGroups.length = 0;
      for (let i = 0; i < this.o.sendSenders; i++) {
        this.sendsGroups.push(await this.accounts.ensureGroup(rest, `sends-${i}`, sendsSenderName(i), []));
      }
    });
  }

  async start(shape: FanoutShape, options: StartOptions): Promise<TargetSession> {
    await this.refreshIfNeeded(shape);
    const group = this.fanoutGroup;
    if (!group || group.key !== `fanout-${shape.members}`) throw new Error('parley target: prepare() the shape before start()');
    const { server, port } = await this.launch(options);
    const host = '127.0.0.1';
    const nonce = randomBytes(6).toString('hex');
    const wsPath = (username: string) => `/v1/ws?access_token=${encodeURIComponent(this.accounts.get(username).accessToken)}`;
    return {
      dialect: 'parley',
      serverPids: () => [server.pid],
      heap: () => heapFromMetrics(`http://${host}:${port}/metrics`),
      receiver: (i) => ({ host, port, path: wsPath(receiverName(i)) }),
      sender: () => ({ host, port, path: wsPath(SENDER) }),
      senderFrame: (n, sentNs) =>
        JSON.stringify({ type: 'send', conversation_id: group.id, client_msg_id: `b-${nonce}-${n}`, body: { text: stampedText(sentNs, FANOUT_TEXT_CHARS) } }),
      stop: () => server.stop(options.cpuProfileDir ? PROFILED_STOP_GRACE_MS : undefined),
    };
  }

  async startForSends(senders: number, options: StartOptions): Promise<SendsSession> {
    if (senders > this.sendsGroups.length) throw new Error(`parley target: prepared ${this.sendsGroups.length} senders, asked for ${senders}`);
    const { server, port } = await this.launch(options);
    return {
      serverPids: () => [server.pid],
      senders: this.sendsGroups.slice(0, senders).map((conversationId, i) => ({
        conversationId,
        target: { host: '127.0.0.1', port, path: `/v1/ws?access_token=${encodeURIComponent(this.accounts.get(sendsSenderName(i)).accessToken)}` },
      })),
      stop: () => server.stop(options.cpuProfileDir ? PROFILED_STOP_GRACE_MS : undefined),
    };
  }

  private usernames(shape: FanoutShape): string[] {
    return [
      SENDER,
      ...Array.from({ length: shape.connections }, (_, i) => receiverName(i)),
      ...Array.from({ length: this.o.sendSenders }, (_, i) => sendsSenderName(i)),
    ];
  }

  /** Tokens expire after 15 minutes: renew them (cheap, no argon2) outside the measured server's life. */
  private async refreshIfNeeded(shape: FanoutShape): Promise<void> {
    if (this.accounts.stale(this.usernames(shape), this.o.tokenValidityMs) === 0) return;
    await this.withServer((rest) => this.accounts.ensure(rest, this.usernames(shape), REFRESH_HORIZON_MS, (l) => process.stderr.write(`${l}\n`)));
  }

  /** A server for setup only (not measured): it runs niced, so registration yields to others. */
  private async withServer(fn: (rest: ParleyRest) => Promise<void>): Promise<void> {
    const { server, port } = await this.launch({}, 10);
    try {
      await fn(new ParleyRest(`http://127.0.0.1:${port}`));
    } finally {
      await server.stop();
    }
  }

  private async launch(options: StartOptions, nice?: number): Promise<{ server: ServerProcess; port: number }> {
    const port = await freePort();
    const server = await ServerProcess.start({
      script: join(this.o.parleyRoot, 'dist', 'apps', 'standalone', 'src', 'main.js'),
      cwd: this.o.parleyRoot,
      env: {
        PARLEY_MODE: 'standalone',
        PARLEY_HOST: '127.0.0.1',
        PARLEY_PORT: String(port),
        PARLEY_DATA_DIR: this.dataDir,
        PARLEY_LOG_LEVEL: 'warn',
        PARLEY_SEND_RATE_PER_SECOND: '100000',
      },
      execArgv: profileFlags(options),
      readyTimeoutMs: 120_000,
      nice,
    });
    await waitReady(`http://127.0.0.1:${port}/readyz`, 60_000);
    return { server, port };
  }
}

/** Parley's own /metrics (prom-client's default Node metrics) tells its heap; a failed read is null. */
async function heapFromMetrics(url: string): Promise<HeapReading | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (res.status !== 200) return null;
    const text = await res.text();
    const read = (name: string) => {
      const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text);
      return m ? Number(m[1]) : Number.NaN;
    };
    const heapUsedBytes = read('nodejs_heap_size_used_bytes');
    const externalBytes = read('nodejs_external_memory_bytes');
    return Number.isFinite(heapUsedBytes) ? { heapUsedBytes, externalBytes } : null;
  } catch (err) {
    process.stderr.write(`reading ${url} failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return null;
  }
}

async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (${last})`);
}
