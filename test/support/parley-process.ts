/**
 * Starts Parley as real child processes for the end-to-end suites.
 *
 * The target comes from PARLEY_E2E_TARGET (default `standalone`): one function per target, so a
 * `mesh` target (each service its own process on real servers) can be added beside `startStandalone`.
 * Every process started here is tracked by pid; `stopAll()` ends them (and removes the temp data
 * dirs this module created), and a process-exit hook SIGKILLs any that are still running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freeGatewayPorts, freePort, portIsFree } from './ports';

export interface ParleyProcess {
  baseUrl: string;
  wsUrl: string;
  port: number;
  dataDir: string;
  /** The pid of the current child; it changes on restart(). */
  pid: number;
  /** SIGTERM, then SIGKILL if it has not exited after 10 s; resolves once it has exited. */
  stop(): Promise<void>;
  /** Sends the signal (default SIGKILL) and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** stop(), then start again on the same port and data dir, and wait until ready. */
  restart(): Promise<void>;
  /** The last lines of the child's stdout and stderr, interleaved in arrival order. */
  logs(): string;
  /** Mesh target: the pid of each service process (from the supervisor's latest "mesh ready" line). */
  meshPids(): Record<string, number | null>;
  /** Mesh target: `host:port` of each process's admin server (/metrics, /healthz, /readyz). */
  meshAdmin(): Record<string, string | null>;
  /**
   * Where each process serves /metrics (its admin port; no public port serves metrics): the
   * standalone's one admin port, or every mesh process that is up, by name.
   */
  metricsUrls(): Promise<Record<string, string>>;
  /**
   * Every public gateway, in order: the first is `baseUrl`/`wsUrl`; a mesh started with
   * PARLEY_MESH_GATEWAYS=n has n of them on consecutive ports (named `gateway`, `gateway-2`, ...
   * in meshPids()). Standalone has one.
   */
  gatewayUrls(): GatewayUrls[];
}

export interface GatewayUrls {
  baseUrl: string;
  wsUrl: string;
}

export interface StartOptions {
  env?: Record<string, string>;
  dataDir?: string;
  /** The script to run instead of the standalone build (the harness's own spec uses a fake server). */
  entry?: string;
  /** Overrides PARLEY_E2E_TARGET for this one start (e.g. a second, separate deployment). */
  target?: string;
}

/** The repository: two levels up from here, or three when this file runs compiled under dist/ (the soak bench). */
export const REPO_ROOT = [resolve(__dirname, '..', '..'), resolve(__dirname, '..', '..', '..')].find((d) => existsSync(join(d, 'infra', 'bin', 'parley-infra'))) ?? resolve(__dirname, '..', '..');
export const STANDALONE_MAIN = join(REPO_ROOT, 'dist', 'apps', 'standalone', 'src', 'main.js');

const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 10_000;
const LOG_LINES = 200;
/** A line longer than this is cut: one runaway log line must not hold the whole buffer. */
const LOG_LINE_MAX = 4_000;

type TargetStarter = (opts: StartOptions) => Promise<ParleyProcess>;

const targets: Record<string, TargetStarter> = {
  standalone: startStandalone,
  mesh: startMesh,
};

export const MESH_MAIN = join(REPO_ROOT, 'dist', 'apps', 'mesh', 'src', 'main.js');

/** The target the suites run against. */
export function e2eTarget(): string {
  return process.env.PARLEY_E2E_TARGET ?? 'standalone';
}

export async function startParley(opts: StartOptions = {}): Promise<ParleyProcess> {
  const name = opts.target ?? e2eTarget();
  const start = targets[name];
  if (start === undefined) {
    throw new Error(`PARLEY_E2E_TARGET=${name} is not a known target (known: ${Object.keys(targets).join(', ')})`);
  }
  return start(opts);
}

const running = new Set<Instance>();
const ownedDataDirs = new Set<string>();
/** Databases startMesh created; dropped by stop() of their mesh, or by stopAll(). */
const ownedDatabases = new Set<{ drop(): Promise<void> }>();

/** Ends every process this module started and removes the data dirs it created. Safe to call twice. */
export async function stopAll(): Promise<void> {
  const errors: unknown[] = [];
  for (const instance of [...running]) {
    try {
      await instance.stop();
    } catch (err) {
      errors.push(err);
    }
  }
  for (const database of [...ownedDatabases]) await database.drop();
  for (const dir of [...ownedDataDirs]) {
    rmSync(dir, { recursive: true, force: true });
    ownedDataDirs.delete(dir);
  }
  if (errors.length > 0) throw new Error(`stopAll: ${errors.map(String).join('; ')}`);
}

/** SIGKILLs what is still running if the test process exits without stopAll(); attached only while something runs. */
const killLeftovers = (): void => {
  for (const instance of running) instance.killNow();
};

function track(instance: Instance): void {
  if (running.size === 0) process.on('exit', killLeftovers);
  running.add(instance);
}

function untrack(instance: Instance): void {
  running.delete(instance);
  if (running.size === 0) process.removeListener('exit', killLeftovers);
}

async function startStandalone(opts: StartOptions): Promise<ParleyProcess> {
  const entry = opts.entry ?? STANDALONE_MAIN;
  if (!existsSync(entry)) {
    throw new Error(`${entry} does not exist: run \`npm run build\` before the end-to-end suites (test/run-all.sh does).`);
  }
  let dataDir = opts.dataDir;
  if (dataDir === undefined) {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-'));
    ownedDataDirs.add(dataDir);
  }
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PARLEY_PORT: String(port),
    PARLEY_HOST: '127.0.0.1',
    PARLEY_DATA_DIR: dataDir,
    PARLEY_LOG_LEVEL: 'warn',
    ...SUITE_LIMITS,
    PARLEY_ADMIN_HOST: '127.0.0.1',
    PARLEY_ADMIN_PORT: String(await freePort()),
    ...(opts.env ?? {}),
  };
  const instance = new Instance([entry], env, port, dataDir);
  await instance.start();
  return instance.handle();
}

/**
 * The suites sign up hundreds of users from one address, which the per-address sign-up limits
 * would refuse; a suite that tests those limits sets its own.
 */
const SUITE_LIMITS = { PARLEY_AUTH_ATTEMPTS_PER_MINUTE: '1000000', PARLEY_REGISTRATIONS_PER_MINUTE: '1000000' };

/**
 * The mesh: apps/mesh supervises the six service processes on the real servers that
 * `infra/bin/parley-infra start all` runs (test/run-all.sh starts them). Data lives in those
 * servers, so restart() keeps it; dataDir is unused.
 */
async function startMesh(opts: StartOptions): Promise<ParleyProcess> {
  const entry = opts.entry ?? MESH_MAIN;
  if (!existsSync(entry)) {
    throw new Error(`${entry} does not exist: run \`npm run build\` before the end-to-end suites (test/run-all.sh does).`);
  }
  const gateways = meshGatewayCount(opts.env?.PARLEY_MESH_GATEWAYS ?? process.env.PARLEY_MESH_GATEWAYS);
  const port = await freeGatewayPorts(gateways);
  // A database of its own on the shared Postgres (unless the test names one): two meshes on one
  // machine never share relational state (a push outbox, sessions), whatever else is running.
  const database = opts.env?.PARLEY_POSTGRES_URL === undefined && process.env.PARLEY_POSTGRES_URL ? await createRunDatabase(process.env.PARLEY_POSTGRES_URL) : null;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PARLEY_PORT: String(port),
    PARLEY_HOST: '127.0.0.1',
    PARLEY_LOG_LEVEL: 'warn',
    // 60 consecutive ports per mesh (gRPC base..base+27, admin base+30..base+57), below the
    // ephemeral range (32768+) so no outgoing connection holds one; spread so that two meshes of
    // one run do not meet, and skipping blocks that another mesh on this machine holds.
    PARLEY_MESH_PORT_BASE: String(await meshPortBase(port)),
    ...SUITE_LIMITS,
    ...(database ? { PARLEY_POSTGRES_URL: database.url } : {}),
    ...(opts.env ?? {}),
  };
  const instance = new Instance([entry], env, port, '', gateways);
  try {
    await instance.start();
  } catch (e) {
    await database?.drop();
    throw e;
  }
  const handle = instance.handle();
  if (database) {
    // restart() keeps the database (it stops the instance, not this handle); stop() drops it.
    const stopInstance = handle.stop;
    handle.stop = async () => {
      await stopInstance();
      await database.drop();
    };
  }
  return handle;
}

/** Creates a uniquely named database next to `baseUrl`'s; drop() removes it (errors only logged). */
async function createRunDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const { Client } = await import('pg');
  const name = `parley_t${randomBytes(6).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new Client({ connectionString: baseUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const database = {
    url: url.toString(),
    drop: async () => {
      ownedDatabases.delete(database);
      try {
        await run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } catch (e) {
        process.stderr.write(`[harness] could not drop ${name}: ${String(e)}\n`);
      }
    },
  };
  ownedDatabases.add(database);
  return database;
}

const MESH_PORT_BLOCKS = 120;
const MESH_PORT_BLOCK_SIZE = 60;

/** The first of the 120 blocks from 20,000 (starting at one the public port picks) whose 60 ports are free. */
async function meshPortBase(port: number): Promise<number> {
  const first = (port * 37) % MESH_PORT_BLOCKS;
  for (let i = 0; i < MESH_PORT_BLOCKS; i++) {
    const base = 20_000 + ((first + i) % MESH_PORT_BLOCKS) * 100;
    let free = true;
    for (let p = base; p < base + MESH_PORT_BLOCK_SIZE && free; p++) free = await portIsFree(p);
    if (free) return base;
  }
  throw new Error('no free block of gRPC ports for the mesh between 20000 and 31999');
}

/** PARLEY_MESH_GATEWAYS as the supervisor reads it (default 1, 1 to 8). */
function meshGatewayCount(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 8) throw new Error(`PARLEY_MESH_GATEWAYS must be an integer from 1 to 8, got "${raw}"`);
  return n;
}

class Instance {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private exitInfo: string | null = null;
  private readonly lines: string[] = [];
  private partial = { out: '', err: '' };
  private lastMeshReady: string | null = null;

  constructor(
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
    readonly port: number,
    readonly dataDir: string,
    /** Public gateways on port, port + 1, ... (mesh with PARLEY_MESH_GATEWAYS). */
    private readonly gatewayCount = 1,
  ) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  gatewayUrls(): GatewayUrls[] {
    return Array.from({ length: this.gatewayCount }, (_, i) => ({
      baseUrl: `http://127.0.0.1:${this.port + i}`,
      wsUrl: `ws://127.0.0.1:${this.port + i}/v1/ws`,
    }));
  }

  get pid(): number {
    const pid = this.child?.pid;
    if (pid === undefined) throw new Error('Parley is not running');
    return pid;
  }

  handle(): ParleyProcess {
    const self = this;
    return {
      baseUrl: this.baseUrl,
      wsUrl: `ws://127.0.0.1:${this.port}/v1/ws`,
      port: this.port,
      dataDir: this.dataDir,
      get pid() {
        return self.pid;
      },
      stop: () => this.stop(),
      kill: (signal) => this.kill(signal ?? 'SIGKILL'),
      restart: async () => {
        await this.stop();
        await this.start();
      },
      logs: () => this.logs(),
      meshPids: () => this.meshPids(),
      meshAdmin: () => this.meshAdmin(),
      metricsUrls: () => this.metricsUrls(),
      gatewayUrls: () => this.gatewayUrls(),
    };
  }

  async start(): Promise<void> {
    if (this.child !== null) throw new Error(`Parley on port ${this.port} is already running (pid ${this.child.pid})`);
    this.exitInfo = null;
    this.log(`[harness] starting node ${this.args.join(' ')} on port ${this.port}, data dir ${this.dataDir}`);
    const child = spawn(process.execPath, this.args, { cwd: REPO_ROOT, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    track(this);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.collect('out', chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.collect('err', chunk));
    this.exited = new Promise((resolveExit) => {
      child.once('exit', (code, signal) => {
        this.flushPartial();
        this.exitInfo = signal !== null ? `signal ${signal}` : `code ${code}`;
        this.log(`[harness] pid ${child.pid} exited with ${this.exitInfo}`);
        if (this.child === child) this.child = null;
        untrack(this);
        resolveExit();
      });
    });
    child.once('error', (err) => this.log(`[harness] spawn error: ${err.message}`));
    try {
      await this.waitReady();
    } catch (err) {
      await this.stop();
      throw new Error(`${(err as Error).message}\n--- last Parley output ---\n${this.logs()}`);
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    child.kill('SIGTERM');
    // A process paused by kill('SIGSTOP') handles SIGTERM only once it runs again.
    child.kill('SIGCONT');
    const timer = setTimeout(() => {
      this.log(`[harness] pid ${child.pid} still running ${STOP_GRACE_MS} ms after SIGTERM: SIGKILL`);
      child.kill('SIGKILL');
    }, STOP_GRACE_MS);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === null) return;
    child.kill(signal);
    if (signal === 'SIGSTOP' || signal === 'SIGCONT') return;
    await this.exited;
  }

  /** Synchronous last resort from the process-exit hook. */
  killNow(): void {
    this.child?.kill('SIGKILL');
  }

  logs(): string {
    return this.lines.join('\n');
  }

  meshPids(): Record<string, number | null> {
    if (this.lastMeshReady === null) throw new Error('no "mesh ready" line seen: is this the mesh target?');
    return (JSON.parse(this.lastMeshReady) as { pids: Record<string, number | null> }).pids;
  }

  meshAdmin(): Record<string, string | null> {
    if (this.lastMeshReady === null) throw new Error('no "mesh ready" line seen: is this the mesh target?');
    return (JSON.parse(this.lastMeshReady) as { admin?: Record<string, string | null> }).admin ?? {};
  }

  async metricsUrls(): Promise<Record<string, string>> {
    if (this.env.PARLEY_MESH_PORT_BASE !== undefined) {
      // The gateways answer /readyz a moment before the supervisor's "mesh ready" line names every admin port.
      for (const deadline = Date.now() + 30_000; this.lastMeshReady === null && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
      return Object.fromEntries(Object.entries(this.meshAdmin()).flatMap(([name, a]) => (a ? [[name, `http://${a}/metrics`]] : [])));
    }
    const port = Number(this.env.PARLEY_ADMIN_PORT ?? 0);
    return port > 0 ? { standalone: `http://${this.env.PARLEY_ADMIN_HOST ?? '127.0.0.1'}:${port}/metrics` } : {};
  }

  /** Ready when every public gateway answers /readyz with 200. */
  private async waitReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = 'no answer yet';
    const pending = this.gatewayUrls().map((g) => g.baseUrl);
    while (Date.now() < deadline) {
      if (this.child === null) throw new Error(`Parley exited before it was ready (${this.exitInfo ?? 'unknown'})`);
      try {
        const res = await fetch(`${pending[0]}/readyz`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        if (res.status === 200) {
          pending.shift();
          if (pending.length === 0) return;
          continue;
        }
        last = `${pending[0]}: status ${res.status}`;
      } catch (err) {
        last = `${pending[0]}: ${(err as Error).message}`;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`Parley on port ${this.port} was not ready within ${READY_TIMEOUT_MS} ms (last /readyz: ${last})`);
  }

  private collect(stream: 'out' | 'err', chunk: string): void {
    const text = this.partial[stream] + chunk;
    const parts = text.split('\n');
    this.partial[stream] = (parts.pop() ?? '').slice(-LOG_LINE_MAX);
    for (const line of parts) {
      if (line.startsWith('{"msg":"mesh ready"')) this.lastMeshReady = line;
      this.log(stream === 'err' ? `[stderr] ${line}` : line);
    }
  }

  private flushPartial(): void {
    for (const stream of ['out', 'err'] as const) {
      if (this.partial[stream].length > 0) this.log(stream === 'err' ? `[stderr] ${this.partial[stream]}` : this.partial[stream]);
      this.partial[stream] = '';
    }
  }

  private log(line: string): void {
    this.lines.push(line.length > LOG_LINE_MAX ? `${line.slice(0, LOG_LINE_MAX)}...` : line);
    if (this.lines.length > LOG_LINES) this.lines.splice(0, this.lines.length - LOG_LINES);
  }
}
