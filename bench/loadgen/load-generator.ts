import { ChildProcess, fork } from 'node:child_process';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { CollectResult, ConnectResult, ConnSpec, emptyCollect, WorkerCommand, WorkerReply } from './ipc';

export interface LoadGeneratorOptions {
  /** Workers that hold the cheap receivers. */
  cheapWorkers: number;
  /** Hard bound on each worker's life, ms: a worker exits on its own after it. */
  workerMaxMs: number;
  /**
   * Niceness of the cheap workers (0..19). They compete with the server for the same two cores; a
   * positive value keeps the load generator from starving the side being measured.
   */
  cheapNice: number;
  /** Handshakes in flight per worker. */
  connectConcurrency: number;
  readyTimeoutMs: number;
}

/** A command as the coordinator writes it; the handle adds the request id. */
type Command = WorkerCommand extends infer C ? (C extends unknown ? Omit<C, 'id'> : never) : never;

type Pending = { resolve: (r: ConnectResult | CollectResult | null) => void; reject: (e: Error) => void };

class WorkerHandle {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  exited = false;

  constructor(readonly proc: ChildProcess) {
    proc.on('message', (m: WorkerReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(`load worker ${proc.pid}: ${m.error}`));
    });
    proc.on('exit', (code) => {
      this.exited = true;
      for (const p of this.pending.values()) p.reject(new Error(`load worker ${proc.pid} exited with ${code}`));
      this.pending.clear();
    });
  }

  get pid(): number {
    if (this.proc.pid === undefined) throw new Error('load worker has no pid');
    return this.proc.pid;
  }

  request<T extends ConnectResult | CollectResult | null>(cmd: Command): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`load worker ${this.proc.pid} is gone`));
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as Pending['resolve'], reject });
      this.proc.send({ ...cmd, id } as WorkerCommand);
    });
  }
}

export interface ConnectSummary extends ConnectResult {
  seconds: number;
}

/**
 * The coordinator side of the load generator: forks the workers (cheap receivers spread over
 * `cheapWorkers` processes, full clients alone in a probe worker so their timestamps are not taken
 * behind thousands of other sockets), hands out connections, and merges what the workers count.
 */
export class LoadGenerator {
  private readonly cheap: WorkerHandle[] = [];
  private probe: WorkerHandle | null = null;

  constructor(private readonly options: LoadGeneratorOptions) {}

  start(): void {
    const script = join(__dirname, 'worker.js');
    const spawn = () =>
      new WorkerHandle(fork(script, [String(this.options.workerMaxMs)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] }));
    for (let i = 0; i < this.options.cheapWorkers; i++) {
      const w = spawn();
      setPriority(w.pid, this.options.cheapNice);
      this.cheap.push(w);
    }
    this.probe = spawn();
  }

  /** Pids of the load-generator processes (their CPU is reported beside the server's). */
  pids(): number[] {
    return [...this.cheap, ...(this.probe ? [this.probe] : [])].map((w) => w.pid);
  }

  /**
   * Opens the connections in order, `chunk` at a time across the workers. Servers keep subscribers in
   * insertion order (Socket.IO rooms) or in an order of their own (uWS topics): opening the full
   * clients interleaved with the cheap ones, rather than all first, keeps them spread through that
   * order, so their latency is a sample of everyone's and not of the first served.
   */
  async connect(specs: ConnSpec[], chunk = 500): Promise<ConnectSummary> {
    const started = process.hrtime.bigint();
    const errors = new Set<string>();
    let opened = 0;
    let failed = 0;
    let retried = 0;
    let k = 0;
    for (let at = 0; at < specs.length; at += chunk) {
      const perWorker = new Map<WorkerHandle, ConnSpec[]>();
      for (const s of specs.slice(at, at + chunk)) {
        const w = s.full ? this.requireProbe() : this.cheap[k++ % this.cheap.length];
        const list = perWorker.get(w);
        if (list) list.push(s);
        else perWorker.set(w, [s]);
      }
      const results = await Promise.all(
        [...perWorker].map(([w, conns]) =>
          w.request<ConnectResult>({ cmd: 'connect', conns, concurrency: this.options.connectConcurrency, readyTimeoutMs: this.options.readyTimeoutMs }),
        ),
      );
      for (const r of results) {
        opened += r.opened;
        failed += r.failed;
        retried += r.retried;
        for (const e of r.errors) if (errors.size < 5) errors.add(e);
      }
    }
    return { opened, failed, retried, errors: [...errors], seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  }

  async mark(): Promise<void> {
    await Promise.all(this.all().map((w) => w.request({ cmd: 'mark' })));
  }

  /** Merged counts since the last mark; latencies only from the probe, and only when asked. */
  async collect(expected: number, withLatencies: boolean): Promise<CollectResult> {
    const parts = await Promise.all(this.all().map((w) => w.request<CollectResult>({ cmd: 'collect', expected, withLatencies })));
    return mergeCollects(parts);
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.all().map((w) => w.request({ cmd: 'close' })));
  }

  /** Ends the workers this generator forked (by pid, nothing else). */
  async stop(): Promise<void> {
    const all = this.all();
    for (const w of all) if (!w.exited) w.proc.disconnect();
    await Promise.all(
      all.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.exited) return resolve();
            const t = setTimeout(() => {
              if (!w.exited) w.proc.kill('SIGKILL');
              resolve();
            }, 5000);
            w.proc.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
          }),
      ),
    );
    this.cheap.length = 0;
    this.probe = null;
  }

  private all(): WorkerHandle[] {
    return [...this.cheap, ...(this.probe ? [this.probe] : [])];
  }

  private requireProbe(): WorkerHandle {
    if (!this.probe) throw new Error('load generator not started');
    return this.probe;
  }
}

export function mergeCollects(parts: CollectResult[]): CollectResult {
  const out = emptyCollect();
  for (const p of parts) {
    out.open += p.open;
    for (const [code, n] of Object.entries(p.closeCodes)) out.closeCodes[code] = (out.closeCodes[code] ?? 0) + n;
    out.members += p.members;
    out.membersExact += p.membersExact;
    out.membersShort += p.membersShort;
    out.membersOver += p.membersOver;
    out.memberMessages += p.memberMessages;
    out.memberBytes += p.memberBytes;
    out.nonMembers += p.nonMembers;
    out.nonMembersWithMessages += p.nonMembersWithMessages;
    for (const l of p.latenciesMs) out.latenciesMs.push(l);
    out.samples += p.samples;
    out.outOfOrder += p.outOfOrder;
    out.undecodable += p.undecodable;
  }
  return out;
}
