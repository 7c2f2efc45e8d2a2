import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { cpuSeconds } from '../metrics/proc-stat';

/**
 * The Kafka and Cassandra JVMs that `infra/bin/parley-infra` started, found the way it finds them
 * itself: the pid file under `$PARLEY_INFRA_DIR/run` (default `~/.cache/parley/infra/run`), trusted
 * only if that process is alive and its command line still names the server (pids get reused).
 */

export type InfraServer = 'kafka' | 'cassandra';

/** A substring of each server's java command line (its main class). */
const MAIN_CLASS: Record<InfraServer, string> = {
  kafka: 'kafka.Kafka',
  cassandra: 'org.apache.cassandra.service.CassandraDaemon',
};

/** parley-infra's state directory, as infra/lib/common.sh computes it. */
export function infraStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.PARLEY_INFRA_DIR || join(env.HOME || homedir(), '.cache', 'parley', 'infra');
}

/** The live pid of an infra server, or null (with the reason) when it is not running as recorded. */
export function infraServerPid(server: InfraServer, stateDir: string = infraStateDir()): { pid: number } | { pid: null; reason: string } {
  const file = join(stateDir, 'run', `${server}.pid`);
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8').trim();
  } catch {
    return { pid: null, reason: `no pid file ${file}` };
  }
  if (!/^\d{1,9}$/.test(raw)) return { pid: null, reason: `pid file ${file} holds "${raw.slice(0, 20)}"` };
  const pid = Number(raw);
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return { pid: null, reason: `pid ${pid} from ${file} is not running` };
  }
  if (!cmdline.includes(MAIN_CLASS[server])) return { pid: null, reason: `pid ${pid} from ${file} is not ${MAIN_CLASS[server]} (pid reused?)` };
  return { pid };
}

/** CPU seconds of a pid so far, or NaN when it cannot be read (gone, or no pid). */
export function cpuSecondsOrNaN(pid: number | null): number {
  if (pid === null) return Number.NaN;
  try {
    return cpuSeconds(pid);
  } catch {
    return Number.NaN;
  }
}

let ticks: number | null = null;

/**
 * User + system CPU seconds of this process's children that have exited and been waited for
 * (cutime + cstime, fields 16 and 17 of /proc/self/stat). Node reaps a child as it exits, so the
 * difference around one child's run is exactly that child's CPU, JVM start-up included.
 */
export function reapedChildrenCpuSeconds(): number {
  ticks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  if (!Number.isInteger(ticks) || ticks <= 0) throw new Error('getconf CLK_TCK gave no positive integer');
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): cutime (16) is fields[13], cstime (17) is fields[14].
  const cutime = Number(fields[13]);
  const cstime = Number(fields[14]);
  if (!Number.isFinite(cutime) || !Number.isFinite(cstime)) throw new Error('cannot read cutime/cstime of /proc/self/stat');
  return (cutime + cstime) / ticks;
}

/** CPU seconds per second a server burns with nothing of ours running: other users' work and its own housekeeping. */
export async function idleCpuRate(pid: number | null, sampleMs: number): Promise<number> {
  const before = cpuSecondsOrNaN(pid);
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, sampleMs));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return (cpuSecondsOrNaN(pid) - before) / seconds;
}
