/**
 * Data servers of a fault test's own: Redis and Postgres started by `parley-infra` in a private
 * state directory on free ports, so a test can kill, pause and restart them without touching the
 * shared instances on the default ports. Each is stopped by the pid its own state directory holds.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, REPO_ROOT } from './parley-process';

const run = promisify(execFile);
export type OwnServer = 'redis' | 'postgres';

export class OwnInfra {
  private constructor(
    private readonly dir: string,
    private readonly ports: Record<OwnServer, number>,
  ) {}

  /** Starts both servers (Postgres: initdb into the private directory, ~5 s). */
  static async start(): Promise<OwnInfra> {
    // Postgres runs as the `postgres` user: the state directory must be reachable by it (/tmp is).
    const dir = mkdtempSync(join(tmpdir(), 'parley-own-infra-'));
    const infra = new OwnInfra(dir, { redis: await freePort(), postgres: await freePort() });
    await infra.infra('start', 'redis', 'postgres');
    return infra;
  }

  /** Settings that point Parley at these servers. */
  env(): Record<string, string> {
    return {
      PARLEY_REDIS_URL: `redis://127.0.0.1:${this.ports.redis}`,
      PARLEY_POSTGRES_URL: `postgres://parley:parley@127.0.0.1:${this.ports.postgres}/parley`,
    };
  }

  port(server: OwnServer): number {
    return this.ports[server];
  }

  /** The server's pid, from this instance's own pid file. */
  pid(server: OwnServer): number {
    const pid = Number(readFileSync(join(this.dir, 'run', `${server}.pid`), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 1) throw new Error(`no pid recorded for our ${server}`);
    return pid;
  }

  /**
   * Sends `signal` to the server and every process under it (Postgres's backends each have a session
   * of their own, so its process group is not enough): a SIGKILL takes them all, as a crash of the
   * database's machine would, and a SIGSTOP freezes the open connections too. Stops and kills go
   * parent first (it forks no more), continues children first.
   */
  signal(server: OwnServer, signal: NodeJS.Signals): number[] {
    const root = this.pid(server);
    const tree = [root, ...descendants(root)];
    for (const pid of signal === 'SIGCONT' ? tree.reverse() : tree) {
      try {
        process.kill(pid, signal);
      } catch {
        // gone meanwhile (a backend that ended): nothing to signal
      }
    }
    return tree;
  }

  /** True when the server and all its processes are stopped (state T in /proc). */
  isStopped(server: OwnServer): boolean {
    const root = this.pid(server);
    return [root, ...descendants(root)].every((pid) => procState(pid) === 'T');
  }

  /** Starts the server again on the same port and data (Redis: its AOF; Postgres: crash recovery). */
  async restart(server: OwnServer): Promise<void> {
    await this.infra('start', server);
  }

  /** Stops both (by this directory's pid files) and removes the directory. */
  async stop(): Promise<void> {
    try {
      await this.infra('stop', 'redis', 'postgres');
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  private async infra(...args: string[]): Promise<void> {
    await run(join(REPO_ROOT, 'infra', 'bin', 'parley-infra'), args, {
      timeout: 120_000,
      env: { ...process.env, PARLEY_INFRA_DIR: this.dir, PARLEY_REDIS_PORT: String(this.ports.redis), PARLEY_POSTGRES_PORT: String(this.ports.postgres) },
    });
  }
}

/** Every live descendant of pid (Linux /proc/<pid>/task/<tid>/children). */
function descendants(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const c of children.trim().split(/\s+/).filter(Boolean).map(Number)) out.push(c, ...descendants(c));
  }
  return out;
}

/** The one-letter state of a process (R, S, T, Z...), or '?' when it is gone. */
function procState(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return '?';
  }
}
