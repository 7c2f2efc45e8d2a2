import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir, setPriority } from 'node:os';
import { join } from 'node:path';
import { profileFlags } from '../bare-uws.target';
import { freeGatewayPorts, portIsFree } from '../../../test/support/ports';
import { ServerProcess } from '../server-process';
import { StartOptions } from '../target';
import { ParleyDeployment, RunningParley, waitReady } from './deployment';

/**
 * Registrations in flight: the mesh runs with PARLEY_PASSWORD_HASH_COST=test (argon2id at the
 * library's minimum), so registering 100,000 bench users costs REST and Postgres work, not hashing.
 */
const REGISTER_CONCURRENCY = 32;
/** The data systems whose CPU is reported beside the mesh's (pid files of infra/bin/parley-infra). */
const DATA_SYSTEMS = ['kafka', 'cassandra', 'postgres', 'redis'] as const;
const MESH_READY = '{"msg":"mesh ready"';
const START_TIMEOUT_MS = 180_000;
const STOP_GRACE_MS = 90_000;

export interface MeshDeploymentOptions {
  parleyRoot: string;
  gateways: number;
  /** Messaging replicas (the mesh's default is 2). */
  messagingReplicas: number;
}

/**
 * The mesh (apps/mesh: auth, messaging replicas, presence, fanout, notification, `gateways`
 * gateways) on the data systems of infra/bin/parley-infra, started the way `npm run mesh` does.
 * The bench starts the data systems if needed and leaves them running (they are shared and slow
 * to start); the mesh itself it starts per round and stops by pid.
 */
export class MeshDeployment implements ParleyDeployment {
  readonly kind = 'parley-mesh' as const;
  readonly registerConcurrency = REGISTER_CONCURRENCY;
  private infraEnv: Record<string, string> | null = null;

  constructor(private readonly o: MeshDeploymentOptions) {
    if (!Number.isInteger(o.gateways) || o.gateways < 1 || o.gateways > 8) throw new Error(`the mesh takes 1 to 8 gateways, got ${o.gateways}`);
  }

  get gateways(): number {
    return this.o.gateways;
  }

  provision(log: (line: string) => void): void {
    log('starting the data systems for the mesh (infra/bin/parley-infra start all; idempotent, left running)');
    execFileSync(this.infraBin(), ['start', 'all'], { stdio: 'inherit', timeout: 10 * 60_000 });
    this.infraEnv = parseExports(execFileSync(this.infraBin(), ['env'], { encoding: 'utf8', timeout: 30_000 }));
  }

  async launch(options: StartOptions, nice?: number): Promise<RunningParley> {
    if (!this.infraEnv) throw new Error('mesh deployment: provision() before launch()');
    const port = await freeGatewayPorts(this.o.gateways);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...this.infraEnv,
      PARLEY_PORT: String(port),
      PARLEY_HOST: '127.0.0.1',
      PARLEY_LOG_LEVEL: 'warn',
      PARLEY_MESH_GATEWAYS: String(this.o.gateways),
      PARLEY_MESH_MESSAGING_REPLICAS: String(this.o.messagingReplicas),
      PARLEY_MESH_PORT_BASE: String(await grpcPortBase()),
      // A child that dies fails the round instead of being restarted behind the measurement.
      PARLEY_MESH_RESTART: '0',
      PARLEY_PASSWORD_HASH_COST: 'test',
      PARLEY_SEND_RATE_PER_SECOND: '100000',
      // The bench signs up thousands of users from one address.
      PARLEY_AUTH_ATTEMPTS_PER_MINUTE: '100000000',
      PARLEY_REGISTRATIONS_PER_MINUTE: '100000000',
    };
    // The supervisor hands its node flags to every child (a CPU profile each at exit; heap snapshots where signalled).
    const mesh = await MeshProcess.start(join(this.o.parleyRoot, 'dist', 'apps', 'mesh', 'src', 'main.js'), this.o.parleyRoot, env, profileFlags(options), nice);
    const ports = Array.from({ length: this.o.gateways }, (_, i) => port + i);
    try {
      for (const p of ports) await waitReady(`http://127.0.0.1:${p}/readyz`, 60_000);
    } catch (err) {
      await mesh.stop();
      throw err;
    }
    return {
      ports,
      serverPids: () => mesh.childPids(),
      socketPids: () => mesh.childPids((name) => name.startsWith('gateway')),
      dataPids: () => Object.values(this.dataSystems()),
      namedPids: () => ({ ...mesh.named(), ...this.dataSystems() }),
      storeMetricsUrls: () => mesh.adminUrls((name) => name.startsWith('messaging')).map((u) => `${u}/metrics`),
      gatewayMetricsUrls: () => mesh.adminUrls((name) => name.startsWith('gateway')).map((u) => `${u}/metrics`),
      stop: () => mesh.stop(),
    };
  }


  private infraBin(): string {
    return join(this.o.parleyRoot, 'infra', 'bin', 'parley-infra');
  }

  /** The running data systems by name, from parley-infra's pid files. */
  private dataSystems(): Record<string, number> {
    const run = join(process.env.PARLEY_INFRA_DIR || join(homedir(), '.cache', 'parley', 'infra'), 'run');
    const pids: Record<string, number> = {};
    for (const name of DATA_SYSTEMS) {
      const file = join(run, `${name}.pid`);
      if (!existsSync(file)) continue;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && existsSync(`/proc/${pid}`)) pids[name] = pid;
    }
    return pids;
  }
}

/**
 * The mesh supervisor as a child of the bench: ready when it prints its "mesh ready" line (which
 * names every child's pid), stopped with SIGTERM (it stops its children, gateways first), and if
 * that hangs, killed by pid together with the children it named.
 */
class MeshProcess {
  private pids: Record<string, number | null> = {};
  /** Each child's admin address (host:port), from the ready line. */
  private admin: Record<string, string> = {};
  private readonly tail: string[] = [];

  /** Undoes the registration with ServerProcess.killAllStarted (once stopped, nothing is left to kill). */
  private readonly unregister: () => void;

  private constructor(private readonly proc: ChildProcess) {
    this.unregister = ServerProcess.onKillAll(() => this.killHard());
  }

  static async start(script: string, cwd: string, env: NodeJS.ProcessEnv, nodeFlags: string[], nice?: number): Promise<MeshProcess> {
    const proc = spawn(process.execPath, [...nodeFlags, script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const mesh = new MeshProcess(proc);
    if (nice !== undefined && proc.pid !== undefined) setPriority(proc.pid, nice);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        mesh.killHard();
        reject(new Error(`mesh not ready after ${START_TIMEOUT_MS} ms:\n${mesh.tail.join('\n')}`));
      }, START_TIMEOUT_MS);
      const onLine = (line: string) => {
        mesh.remember(line);
        if (!line.startsWith(MESH_READY)) return;
        const ready = JSON.parse(line) as { pids: Record<string, number | null>; admin?: Record<string, string> };
        mesh.pids = ready.pids;
        mesh.admin = ready.admin ?? {};
        // Children inherit the supervisor's priority only when spawned after it was set: set each.
        if (nice !== undefined) for (const pid of Object.values(mesh.pids)) if (pid) setPriority(pid, nice);
        clearTimeout(timer);
        resolve();
      };
      lines(proc.stdout, onLine);
      lines(proc.stderr, (l) => mesh.remember(l));
      proc.once('exit', (code, signal) => {
        mesh.unregister();
        clearTimeout(timer);
        reject(new Error(`mesh exited before ready (code ${code}, signal ${signal}):\n${mesh.tail.join('\n')}`));
      });
    });
    return mesh;
  }

  childPids(filter: (name: string) => boolean = () => true): number[] {
    return Object.entries(this.pids)
      .filter(([name, pid]) => pid !== null && filter(name))
      .map(([, pid]) => pid as number);
  }

  /** The children that are running, by name. */
  named(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.pids).filter((e): e is [string, number] => e[1] !== null));
  }

  adminUrls(filter: (name: string) => boolean): string[] {
    return Object.entries(this.admin)
      .filter(([name]) => filter(name))
      .map(([, addr]) => `http://${addr}`);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        process.stderr.write(`mesh ${this.proc.pid} still running ${STOP_GRACE_MS} ms after SIGTERM: SIGKILL\n`);
        this.killHard();
      }, STOP_GRACE_MS);
      this.proc.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.proc.kill('SIGTERM');
    });
    this.unregister();
  }

  private killHard(): void {
    for (const pid of this.childPids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }

  private remember(line: string): void {
    this.tail.push(line);
    if (this.tail.length > 40) this.tail.shift();
    if (/"level":"(error|fatal)"|exited|failed/i.test(line)) process.stderr.write(`  [mesh] ${line.slice(0, 400)}\n`);
  }
}

function lines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
    if (buf.length > 64 * 1024) buf = buf.slice(-64 * 1024);
  });
}

/** `export NAME=value` lines (parley-infra env) as an environment. */
export function parseExports(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^export ([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
  }
  return env;
}

/**
 * A block of 60 ports for the mesh's services (gRPC from base+1, admin ports up to base+57, see
 * docs/mesh.md), below the ephemeral range (32768+) so no outgoing connection holds one, and away
 * from the blocks the test suites use (20000-31999).
 */
async function grpcPortBase(): Promise<number> {
  for (let base = 14_000; base < 19_000; base += 100) {
    let free = true;
    for (let p = base; p < base + 60 && free; p++) free = await portIsFree(p);
    if (free) return base;
  }
  throw new Error('no free block of gRPC ports for the mesh between 14000 and 18999');
}
