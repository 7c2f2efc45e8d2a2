import { ChildProcess, fork } from 'node:child_process';
import { setPriority } from 'node:os';

export interface ServerProcessOptions {
  script: string;
  env: Record<string, string>;
  /** Extra node flags (e.g. --cpu-prof) for the profiled run. */
  execArgv?: string[];
  cwd?: string;
  readyTimeoutMs: number;
  /** Niceness for work that is not measured (setting up users), so it yields to others on the machine. */
  nice?: number;
}

/**
 * A server the bench started itself: forked with an IPC channel, ready when it sends
 * `{type: "ready"}` (Parley's runProcess and the bench peers both do), stopped by its own pid only.
 */
export class ServerProcess {
  /** Every server this bench process started and has not seen exit: killed by pid if the bench is cut short. */
  private static readonly live = new Set<ChildProcess>();
  /** How to kill other things the bench started (a mesh and its children), by their pids. */
  private static readonly cleanups = new Set<() => void>();

  private constructor(private readonly proc: ChildProcess) {}

  /** SIGKILLs, by pid, every server this process started that is still running (and runs the registered cleanups). */
  static killAllStarted(): void {
    for (const p of ServerProcess.live) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    ServerProcess.live.clear();
    for (const kill of ServerProcess.cleanups) kill();
    ServerProcess.cleanups.clear();
  }

  /** Registers how to kill something else this bench started; returns the unregistration. */
  static onKillAll(kill: () => void): () => void {
    ServerProcess.cleanups.add(kill);
    return () => ServerProcess.cleanups.delete(kill);
  }

  static async start(o: ServerProcessOptions): Promise<ServerProcess> {
    const proc = fork(o.script, [], {
      cwd: o.cwd,
      env: { ...process.env, ...o.env },
      execArgv: o.execArgv ?? [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    ServerProcess.live.add(proc);
    if (o.nice !== undefined && proc.pid !== undefined) setPriority(proc.pid, o.nice);
    proc.once('exit', () => ServerProcess.live.delete(proc));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`${o.script} not ready after ${o.readyTimeoutMs} ms`));
      }, o.readyTimeoutMs);
      proc.on('message', (m: unknown) => {
        if (typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'ready') {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${o.script} exited before ready (code ${code}, signal ${signal})`));
      });
    });
    return new ServerProcess(proc);
  }

  /** Asks a bench peer for its process.memoryUsage() over IPC (peers answer `{type: "memory"}`). */
  memory(timeoutMs = 5000): Promise<{ heapUsed: number; external: number } | null> {
    return new Promise((resolve) => {
      if (!this.proc.connected) return resolve(null);
      const timer = setTimeout(() => {
        this.proc.off('message', onMessage);
        resolve(null);
      }, timeoutMs);
      const onMessage = (m: unknown) => {
        const r = m as { type?: unknown; heapUsed?: unknown; external?: unknown };
        if (r?.type !== 'memory' || typeof r.heapUsed !== 'number' || typeof r.external !== 'number') return;
        clearTimeout(timer);
        this.proc.off('message', onMessage);
        resolve({ heapUsed: r.heapUsed, external: r.external });
      };
      this.proc.on('message', onMessage);
      this.proc.send({ type: 'memory' });
    });
  }

  get pid(): number {
    if (this.proc.pid === undefined) throw new Error('server process has no pid');
    return this.proc.pid;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 20_000): Promise<void> {
    const started = Date.now();
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        process.stderr.write(`server ${this.proc.pid} still running ${graceMs} ms after SIGTERM: SIGKILL\n`);
        this.proc.kill('SIGKILL');
      }, graceMs);
      this.proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (code !== 0) process.stderr.write(`server ${this.proc.pid} exited with ${code ?? signal} after ${Date.now() - started} ms\n`);
        resolve();
      });
      this.proc.kill('SIGTERM');
    });
  }
}

