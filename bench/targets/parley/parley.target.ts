import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sampleSum, sampleValues } from '../../../test/support/metrics';
import { stampedText } from '../../loadgen/fanout-frames';
import { ConnectTarget } from '../../loadgen/ws-client';
import { BenchTarget, FANOUT_TEXT_CHARS, FanoutShape, HeapReading, StartOptions, TargetSession } from '../target';
import { BenchAccounts } from './bench-accounts';
import { ParleyDeployment, RunningParley } from './deployment';
import { ParleyRest } from './rest';

export interface ParleyTargetOptions {
  /** Holds the bench accounts file of this deployment (and standalone's data directory); reused across runs. */
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
  dataPids(): number[];
  namedPids(): Record<string, number>;
  senders: SendsSender[];
  /**
   * Sends the server answered with a stored original (a repeated client_msg_id) so far, from the
   * messaging service's dedupe reads; null when they cannot be read. A sends round meant to measure
   * fresh sends must see none.
   */
  repeatsAnswered(): Promise<number | null>;
  stop(): Promise<void>;
}

/** A target that persists what it is sent, so its persisted-ack throughput can be measured. */
export interface PersistedSendsTarget {
  readonly name: string;
  startForSends(senders: number, options: StartOptions): Promise<SendsSession>;
}

const SENDER = 'bench-s';
/** The contract's largest `sync` page. */
const MAX_SYNC_LIMIT = 500;
/** The messaging service's counter of message-store reads (every label summed). */
const STORE_READS = 'parley_messaging_store_reads_total';
/**
 * When tokens are renewed, every token that would expire within this horizon is (access tokens live
 * at most 15 minutes), so one renewal covers several rounds instead of trickling one per round.
 */
const receiverName = (i: number) => `bench-r${String(i).padStart(6, '0')}`;
const sendsSenderName = (i: number) => `bench-t${String(i).padStart(3, '0')}`;

/**
 * Parley driven only through its public API, standalone or mesh (the deployment): users registered
 * over REST (once per state directory), one group with every member, clients on
 * `/v1/ws?access_token=...` spread over the gateways, sends as `send` frames from a member.
 */
export class ParleyTarget implements BenchTarget, PersistedSendsTarget {
  private readonly accounts: BenchAccounts;
  /** Fan-out groups prepared, by key (`fanout-<members>`). */
  private readonly groups = new Map<string, string>();
  private readonly sendsGroups: string[] = [];
  private provisioned = false;

  constructor(
    private readonly deployment: ParleyDeployment,
    private readonly o: ParleyTargetOptions,
  ) {
    mkdirSync(o.stateDir, { recursive: true });
    this.accounts = new BenchAccounts(join(o.stateDir, 'accounts.json'), deployment.registerConcurrency);
  }

  get name(): 'parley' | 'parley-mesh' {
    return this.deployment.kind;
  }

  async prepare(shape: FanoutShape, log: (line: string) => void): Promise<void> {
    this.provision(log);
    await this.withServer(async (rest) => {
      await this.accounts.forgetIfUnknown(rest, SENDER, log);
      const names = this.usernames(shape);
      if (this.accounts.missing(names) > 0 || this.accounts.stale(names, this.o.tokenValidityMs) > 0) await this.accounts.ensure(rest, names, this.o.tokenValidityMs, log);
      const members = Array.from({ length: shape.members }, (_, i) => receiverName(i));
      const key = `fanout-${shape.members}`;
      log(`ensuring group ${key} (${shape.members + 1} members)`);
      this.groups.set(key, await this.accounts.ensureGroup(rest, key, SENDER, members, log));
      this.sendsGroups.length = 0;
      for (let i = 0; i < this.o.sendSenders; i++) {
        this.sendsGroups.push(await this.accounts.ensureGroup(rest, `sends-${i}`, sendsSenderName(i), [], log));
      }
    });
  }

  async start(shape: FanoutShape, options: StartOptions): Promise<TargetSession> {
    await this.refreshIfNeeded(shape);
    const groupId = this.groups.get(`fanout-${shape.members}`);
    if (groupId === undefined) throw new Error(`${this.name} target: prepare() the shape before start()`);
    const group = { id: groupId };
    const running = await this.deployment.launch(options);
    const host = '127.0.0.1';
    const nonce = randomBytes(6).toString('hex');
    const wsPath = (username: string) => `/v1/ws?access_token=${encodeURIComponent(this.accounts.get(username).accessToken)}`;
    const portOf = (i: number) => running.ports[i % running.ports.length];
    const rest = new ParleyRest(`http://${host}:${running.ports[0]}`);
    return {
      dialect: 'parley',
      serverPids: () => running.serverPids(),
      socketPids: () => running.socketPids(),
      dataPids: () => running.dataPids(),
      namedPids: () => running.namedPids(),
      heap: () => sumHeaps(running.gatewayMetricsUrls()),
      receiver: (i) => ({ host, port: portOf(i), path: wsPath(receiverName(i)) }),
      senders: () => [{ host, port: portOf(0), path: wsPath(SENDER) }],
      senderFrame: (n, sentNs) =>
        JSON.stringify({ type: 'send', conversation_id: group.id, client_msg_id: `b-${nonce}-${n}`, body: { text: stampedText(sentNs, FANOUT_TEXT_CHARS) } }),
      resume: {
        frame: (afterSeq) => JSON.stringify({ type: 'sync', conversation_id: group.id, after_seq: afterSeq, limit: MAX_SYNC_LIMIT }),
        answerFrames: (missed) => missed + 1, // the messages, then sync.done
        lastSeq: async () => {
          const view = await rest.call<{ last_seq: number }>('GET', `/v1/conversations/${encodeURIComponent(group.id)}`, undefined, this.accounts.get(SENDER).accessToken);
          return view.last_seq;
        },
        storeReads: () => sumCounters(running.storeMetricsUrls(), STORE_READS),
      },
      stop: () => running.stop(),
    };
  }

  async startForSends(senders: number, options: StartOptions): Promise<SendsSession> {
    if (senders > this.sendsGroups.length) throw new Error(`${this.name} target: prepared ${this.sendsGroups.length} senders, asked for ${senders}`);
    await this.refreshIfNeeded({ connections: 0, members: 0 });
    const running: RunningParley = await this.deployment.launch(options);
    return {
      serverPids: () => running.serverPids(),
      dataPids: () => running.dataPids(),
      namedPids: () => running.namedPids(),
      senders: this.sendsGroups.slice(0, senders).map((conversationId, i) => ({
        conversationId,
        target: {
          host: '127.0.0.1',
          port: running.ports[i % running.ports.length],
          path: `/v1/ws?access_token=${encodeURIComponent(this.accounts.get(sendsSenderName(i)).accessToken)}`,
        },
      })),
      repeatsAnswered: () => sumCounters(running.storeMetricsUrls(), STORE_READS, { op: 'dedupe' }),
      stop: () => running.stop(),
    };
  }

  private provision(log: (line: string) => void): void {
    if (this.provisioned) return;
    this.deployment.provision(log);
    this.provisioned = true;
  }

  private usernames(shape: FanoutShape): string[] {
    return [
      SENDER,
      ...Array.from({ length: shape.connections }, (_, i) => receiverName(i)),
      ...Array.from({ length: this.o.sendSenders }, (_, i) => sendsSenderName(i)),
    ];
  }

  /**
   * Tokens expire after 15 minutes: renew, outside the measured server's life, only those that would
   * not outlast a round (`tokenValidityMs`). Renewing everything that expires within a horizon would
   * renew a large population twice when renewing it takes longer than the horizon's slack.
   */
  private async refreshIfNeeded(shape: FanoutShape): Promise<void> {
    const names = shape.connections > 0 ? this.usernames(shape) : [SENDER, ...Array.from({ length: this.o.sendSenders }, (_, i) => sendsSenderName(i))];
    if (this.accounts.stale(names, this.o.tokenValidityMs) === 0) return;
    await this.withServer((rest) => this.accounts.ensure(rest, names, this.o.tokenValidityMs, (l) => process.stderr.write(`${l}\n`)));
  }

  /** A server for setup only (not measured): it runs niced, so registration yields to others. */
  private async withServer(fn: (rest: ParleyRest) => Promise<void>): Promise<void> {
    this.provision((l) => process.stderr.write(`${l}\n`));
    const running = await this.deployment.launch({}, 10);
    try {
      await fn(new ParleyRest(`http://127.0.0.1:${running.ports[0]}`));
    } finally {
      await running.stop();
    }
  }
}

async function readText(url: string): Promise<string | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    return res.status === 200 ? await res.text() : null;
  } catch (err) {
    process.stderr.write(`reading ${url} failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return null;
  }
}

/** A Prometheus sample's value (the first series of that name), NaN when absent. */
function metricValue(text: string, name: string): number {
  return sampleValues(text, name)[0] ?? Number.NaN;
}

/** A counter's series whose labels include `labels`, summed over several processes' /metrics; null when one cannot be read. */
async function sumCounters(urls: string[], name: string, labels: Record<string, string> = {}): Promise<number | null> {
  if (urls.length === 0) return null;
  let sum = 0;
  for (const url of urls) {
    const text = await readText(url);
    if (text === null) return null;
    sum += sampleSum(text, name, labels);
  }
  return sum;
}

/** The gateways' heap (prom-client's default Node metrics on each /metrics), summed; null if one cannot be read. */
async function sumHeaps(urls: string[]): Promise<HeapReading | null> {
  let heapUsedBytes = 0;
  let externalBytes = 0;
  for (const url of urls) {
    const text = await readText(url);
    if (text === null) return null;
    const used = metricValue(text, 'nodejs_heap_size_used_bytes');
    if (!Number.isFinite(used)) return null;
    heapUsedBytes += used;
    externalBytes += metricValue(text, 'nodejs_external_memory_bytes');
  }
  return { heapUsedBytes, externalBytes };
}
