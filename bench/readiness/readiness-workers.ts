import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { ReadinessCommand, ReadinessReply } from './readiness-ipc';

type Command = ReadinessCommand extends infer C ? (C extends unknown ? Omit<C, 'id'> : never) : never;

/** One forked readiness worker: requests over IPC, answered in order of their ids. */
export class ReadinessWorker {
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited = false;

  private constructor(private readonly proc: ChildProcess) {
    proc.on('message', (m: ReadinessReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(`readiness worker ${proc.pid}: ${m.error}`));
    });
    proc.on('exit', (code) => {
      this.exited = true;
      for (const p of this.pending.values()) p.reject(new Error(`readiness worker ${proc.pid} exited with ${code}`));
      this.pending.clear();
    });
  }

  /** Forks a worker that exits on its own after `maxMs` (or when this process goes away). */
  static fork(maxMs: number): ReadinessWorker {
    return new ReadinessWorker(fork(join(__dirname, 'readiness-worker.js'), [String(maxMs)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] }));
  }

  get pid(): number {
    if (this.proc.pid === undefined) throw new Error('readiness worker has no pid');
    return this.proc.pid;
  }

  request<T>(cmd: Command): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`readiness worker ${this.proc.pid} is gone`));
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.proc.send({ ...cmd, id });
    });
  }

  /** Disconnects; SIGKILL (by its pid) if it has not exited 5 s later. */
  async stop(): Promise<void> {
    if (this.exited) return;
    this.proc.disconnect();
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        if (!this.exited) this.proc.kill('SIGKILL');
        resolve();
      }, 5000);
      this.proc.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
