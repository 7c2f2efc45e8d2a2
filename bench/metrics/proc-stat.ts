import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (14) is fields[11] and stime (15) is fields[12].
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`cannot read CPU times of pid ${pid}`);
  return { user: utime / clockTicks(), system: stime / clockTicks() };
}

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

/** CPU seconds of each named process so far (a process that is gone reads as NaN). */
export function cpuByName(named: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(named)) {
    try {
      out[name] = cpuSeconds(pid);
    } catch {
      out[name] = Number.NaN;
    }
  }
  return out;
}

/** The CPU each named process used between two `cpuByName` readings. */
export function cpuDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(after).map((name) => [name, after[name] - (before[name] ?? Number.NaN)]));
}
