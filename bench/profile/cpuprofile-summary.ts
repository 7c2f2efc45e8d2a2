import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of V8's .cpuprofile (what `node --cpu-prof` writes) that the summary reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FrameShare {
  frame: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  file: string;
  /** Busy (non-idle) sampled time inside the window, idle time beside it (ms), and whether the window could be applied. */
  sampledMs: number;
  idleMs: number;
  windowApplied: boolean;
  /** Self time per function, highest first. */
  topSelf: FrameShare[];
  /** Self time per area: Parley lib, npm package, Node internals, V8/native buckets. */
  byArea: FrameShare[];
  /** Inclusive time of Parley's own functions (libs/ and apps/), highest first. */
  topParleyInclusive: FrameShare[];
}

/** The newest .cpuprofile in a directory (node --cpu-prof writes one per process at exit). */
export function newestProfile(dir: string, pid?: number): string | null {
  // Node names them CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile.
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile') && (pid === undefined || f.split('.')[3] === String(pid)))
    .sort();
  return files.length > 0 ? join(dir, files[files.length - 1]) : null;
}

/**
 * Summarizes a CPU profile, keeping only samples inside `windowUs` when given. V8 stamps samples
 * with the monotonic clock in microseconds, the clock process.hrtime reads in nanoseconds, so a
 * window taken by the bench coordinator applies directly; if it does not overlap the profile the
 * whole profile is summarized and `windowApplied` says so.
 */
export function summarizeProfile(file: string, windowUs: [number, number] | null, top = 15): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const inWindow = windowUs !== null && windowUs[0] < p.endTime && windowUs[1] > p.startTime;
  const self = new Map<string, number>();
  const area = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    t += dt;
    if (inWindow && windowUs && (t < windowUs[0] || t > windowUs[1])) continue;
    // A sample stands for the interval since the previous one.
    const us = Math.max(0, dt);
    const node = byId.get(p.samples[i]);
    if (!node) continue;
    if (node.callFrame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    const key = frameName(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + us);
    const a = areaOf(node.callFrame);
    area.set(a, (area.get(a) ?? 0) + us);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)?.callFrame;
      if (!f || !isParley(f.url)) continue;
      const k = frameName(f);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  const shares = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([frame, us]) => ({ frame, ms: us / 1000, percent: total > 0 ? (100 * us) / total : 0 }));
  return { file, sampledMs: total / 1000, idleMs: idle / 1000, windowApplied: inWindow, topSelf: shares(self), byArea: shares(area), topParleyInclusive: shares(inclusive) };
}

function isParley(url: string): boolean {
  return /\/dist\/(libs|apps)\//.test(url);
}

function shortUrl(url: string): string {
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 6);
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + 14);
  return url;
}

function frameName(f: { functionName: string; url: string; lineNumber: number }): string {
  const fn = f.functionName || '(anonymous)';
  return f.url ? `${fn} ${shortUrl(f.url)}:${f.lineNumber + 1}` : fn;
}

function areaOf(f: { functionName: string; url: string }): string {
  if (!f.url) return f.functionName.startsWith('(') ? f.functionName : 'native (uWS, V8 builtins)';
  const lib = /\/dist\/(libs|apps)\/([^/]+)\//.exec(f.url);
  if (lib) return `parley ${lib[1]}/${lib[2]}`;
  const nm = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f.url);
  if (nm) return `npm ${nm[1]}`;
  if (f.url.startsWith('node:')) return 'node internals';
  return f.url;
}
