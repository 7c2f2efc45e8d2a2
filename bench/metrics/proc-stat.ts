import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | null = null;

/** Clock ticks per second of /proc/<pid>/stat times (CLK_TCK; 100 on Linux unless told otherwise). */
function clockTicks(): number {
  if (ticksPerSecond === null) {
    const raw = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim();
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`getconf CLK_TCK answered "${raw}"`);
    ticksPerSecond = n;
  }
  return ticksPerSecond;
}

/**
 * User plus system CPU seconds a process has used so far, from /proc/<pid>/stat (fields 14 and 15,
 * counted after the parenthesised command name, which may itself contain spaces).
 */
export function cpuSeconds(pid: number): number {
  const t = cpuTimes(pid);
  return t.user + t.system;
}

/** User and system CPU seconds of a process (system time includes the loopback receive path it drives). */
export function cpuTimes(pid: number): { user: number; system: number } {
  return statTimes(readFileSync(`/proc/${pid}/stat`, 'utf8'), `pid ${pid}`);
}

/** utime and stime of a /proc stat line (a process's or a thread's), in seconds. */
function statTimes(stat: string, what: string): { user: number; system: number } {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (14) is fields[11] and stime (15) is fields[12].
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`cannot read CPU times of ${what}`);
  return { user: utime / clockTicks(), system: stime / clockTicks() };
}

/**
 * CPU seconds of a process and everything it started: its own time, its children that exited and
 * were waited for (cutime, cstime), and its live descendants. A server that forks a process per
 * connection (Postgres: one backend each) does its work in those children, which its own times miss.
 * Over an interval this counts a backend that exits in between exactly once (live before, waited-for after).
 */
export function treeCpuSeconds(pid: number, children: Map<number, number[]> = childrenByParent()): number {
  const total = (p: number): number => {
    let own: number;
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = fields.slice(fields.lastIndexOf(')') + 2).split(' ');
      // utime, stime, cutime, cstime are fields 14 to 17: f[11] to f[14].
      own = (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / clockTicks();
    } catch {
      return 0; // a descendant that exited between the listing and now: its parent's cutime has it
    }
    return own + (children.get(p) ?? []).reduce((a, c) => a + total(c), 0);
  };
  if (!existsSync(`/proc/${pid}`)) throw new Error(`no process ${pid}`);
  return total(pid);
}

/** Every process's children, by parent pid (one pass over /proc, shared by the readings taken together). */
export function childrenByParent(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // gone while listing
    }
  }
  return children;
}

export const sumTreeCpuSeconds = (pids: readonly number[]) => {
  const children = childrenByParent();
  return pids.reduce((a, p) => a + treeCpuSeconds(p, children), 0);
};

export const sumSystemSeconds = (pids: readonly number[]) => pids.reduce((a, p) => a + cpuTimes(p).system, 0);

/** Resident memory of a process in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

export const sumCpuSeconds = (pids: readonly number[]) => pids.reduce((a, p) => a + cpuSeconds(p), 0);

export const sumRssBytes = (pids: readonly number[]) => pids.reduce((a, p) => a + rssBytes(p), 0);

/** The 1-minute load average: how busy the shared machine was around a figure. */
export function loadAverage1m(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** CPU seconds of each named process and its descendants so far (a process that is gone reads as NaN). */
export function cpuByName(named: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  const children = childrenByParent();
  for (const [name, pid] of Object.entries(named)) {
    try {
      out[name] = treeCpuSeconds(pid, children);
    } catch {
      out[name] = Number.NaN;
    }
  }
  return out;
}

/**
 * CPU seconds so far of the processes' threads (/proc/<pid>/task/<tid>/stat), as `main` (the
 * thread whose id is the process's: JavaScript, and in standalone PGlite's WebAssembly) and
 * `helpers` (every other thread: V8's garbage-collection and compiler workers, libuv's pool; Node
 * names them all "node", so they cannot be told apart here). Summed over the processes. A helper
 * that ends between two readings drops out of the second: compare intervals in which none do.
 */
export function cpuByThread(pids: readonly number[]): Record<'main' | 'helpers', number> {
  const out = { main: 0, helpers: 0 };
  for (const pid of pids) {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      } catch {
        continue; // the thread ended while listing
      }
      const t = statTimes(stat, `thread ${tid} of pid ${pid}`);
      out[Number(tid) === pid ? 'main' : 'helpers'] += t.user + t.system;
    }
  }
  return out;
}

/** The CPU of each key between two readings of the same kind (a key missing before counts from 0). */
export function cpuDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(after).map((name) => [name, after[name] - (before[name] ?? 0)]));
}

/** Two intervals' deltas added key by key. */
export function addCpu(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}
