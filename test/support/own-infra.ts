/**
 * Data servers of a fault test's own: Redis, Postgres, Cassandra or a three-broker Kafka started by
 * `parley-infra` in a private state directory on free ports, so a test can kill, pause and restart them without touching the
 * shared instances on the default ports. Each is stopped by the pid its own state directory holds.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './parley-process';
import { freePort, freePortRange } from './ports';

const run = promisify(execFile);
/** What parley-infra starts: `kafka3` is three combined broker/controller nodes. */
export type OwnTarget = 'redis' | 'postgres' | 'cassandra' | 'kafka' | 'kafka3';
/** One process: a Kafka node by its name (node id 1 to 3). */
export type OwnServer = 'redis' | 'postgres' | 'cassandra' | 'kafka' | 'kafka3-1' | 'kafka3-2' | 'kafka3-3';

interface Ports {
  redis: number;
  postgres: number;
  /** Native (CQL) port; storage and JMX ports beside it. */
  cassandra: number;
  cassandraStorage: number;
  cassandraJmx: number;
  /** The single broker's port and controller port, and the port it advertises (a proxy's, or its own). */
  kafka: number;
  kafkaController: number;
  kafkaAdvertised: number;
  /** First of three broker ports, and of three controller ports. */
  kafka3: number;
  kafka3Controller: number;
}

export class OwnInfra {
  private constructor(
    private readonly dir: string,
    private readonly targets: OwnTarget[],
    private readonly ports: Ports,
  ) {}

  /** Starts the targets (Postgres: initdb into the private directory, ~5 s; Kafka, Cassandra: ~30-60 s). */
  static async start(targets: OwnTarget[], opts: { kafkaVia?: (kafkaPort: number) => Promise<number> } = {}): Promise<OwnInfra> {
    // Postgres runs as the `postgres` user: the state directory must be reachable by it (/tmp is).
    const dir = mkdtempSync(join(tmpdir(), 'parley-own-infra-'));
    // Kafka's jars: those the shared state directory already fetched (read only), else fetched here.
    const sharedJars = join(process.env.PARLEY_INFRA_DIR ?? join(process.env.HOME ?? homedir(), '.cache', 'parley', 'infra'), 'jars');
    if (existsSync(sharedJars)) symlinkSync(sharedJars, join(dir, 'jars'));
    else mkdirSync(join(dir, 'jars'));
    const ports: Ports = { redis: 0, postgres: 0, cassandra: 0, cassandraStorage: 0, cassandraJmx: 0, kafka: 0, kafkaController: 0, kafkaAdvertised: 0, kafka3: 0, kafka3Controller: 0 };
    if (targets.includes('kafka')) {
      ports.kafka = await freePort();
      ports.kafkaController = await freePort();
      // Clients learn the broker's address from its metadata: a proxy in front must be advertised.
      ports.kafkaAdvertised = opts.kafkaVia ? await opts.kafkaVia(ports.kafka) : ports.kafka;
    }
    if (targets.includes('cassandra')) {
      ports.cassandra = await freePort();
      ports.cassandraStorage = await freePort();
      ports.cassandraJmx = await freePort();
    }
    if (targets.includes('redis')) ports.redis = await freePort();
    if (targets.includes('postgres')) ports.postgres = await freePort();
    if (targets.includes('kafka3')) {
      ports.kafka3 = await freePortRange(3);
      ports.kafka3Controller = await freePortRange(3);
    }
    const infra = new OwnInfra(dir, targets, ports);
    await infra.infra('start', ...targets);
    return infra;
  }

  /** Settings that point Parley at these servers (Kafka: topics replicated 3 times, 2 in sync). */
  env(): Record<string, string> {
    const env: Record<string, string> = {};
    if (this.targets.includes('redis')) env.PARLEY_REDIS_URL = `redis://127.0.0.1:${this.ports.redis}`;
    if (this.targets.includes('postgres')) env.PARLEY_POSTGRES_URL = `postgres://parley:parley@127.0.0.1:${this.ports.postgres}/parley`;
    if (this.targets.includes('cassandra')) env.PARLEY_CASSANDRA_CONTACT_POINTS = `127.0.0.1:${this.ports.cassandra}`;
    if (this.targets.includes('kafka')) env.PARLEY_KAFKA_BROKERS = `127.0.0.1:${this.ports.kafkaAdvertised}`;
    if (this.targets.includes('kafka3')) {
      env.PARLEY_KAFKA_BROKERS = this.kafkaBrokers().join(',');
      env.PARLEY_KAFKA_REPLICATION_FACTOR = '3';
      env.PARLEY_KAFKA_MIN_INSYNC_REPLICAS = '2';
    }
    return env;
  }

  kafkaBrokers(): string[] {
    return [0, 1, 2].map((i) => `127.0.0.1:${this.ports.kafka3 + i}`);
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

  /**
   * Starts the server again on the same port and data (Redis: its AOF; Postgres: crash recovery; a
   * Kafka node: its log, rejoining the quorum). Resolves when it is ready.
   */
  async restart(server: OwnServer): Promise<void> {
    await this.infra('start', server.startsWith('kafka3') ? 'kafka3' : server);
  }

  /** Stops everything started (by this directory's pid files) and removes the directory. */
  async stop(): Promise<void> {
    try {
      await this.infra('stop', ...this.targets);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  private async infra(...args: string[]): Promise<void> {
    await run(join(REPO_ROOT, 'infra', 'bin', 'parley-infra'), args, {
      timeout: 240_000,
      env: {
        ...process.env,
        PARLEY_INFRA_DIR: this.dir,
        PARLEY_REDIS_PORT: String(this.ports.redis),
        PARLEY_POSTGRES_PORT: String(this.ports.postgres),
        PARLEY_CASSANDRA_PORT: String(this.ports.cassandra),
        PARLEY_CASSANDRA_STORAGE_PORT: String(this.ports.cassandraStorage),
        PARLEY_CASSANDRA_JMX_PORT: String(this.ports.cassandraJmx),
        // Acknowledged writes synced first: with Cassandra's default (periodic) a killed single
        // node loses up to 10 s of acknowledged writes, which is Cassandra's, not Parley's, loss.
        PARLEY_CASSANDRA_COMMITLOG_SYNC: 'group',
        PARLEY_KAFKA_PORT: String(this.ports.kafka),
        PARLEY_KAFKA_CONTROLLER_PORT: String(this.ports.kafkaController),
        PARLEY_KAFKA_ADVERTISED_PORT: String(this.ports.kafkaAdvertised),
        PARLEY_KAFKA3_PORT: String(this.ports.kafka3),
        PARLEY_KAFKA3_CONTROLLER_PORT: String(this.ports.kafka3Controller),
      },
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
