import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { diff, totalsOf } from './heap-snapshot-diff';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SNAPSHOT_TIMEOUT_MS = 120_000;

/** Snapshot files a process wrote in `dir` (Node names them Heap.<date>.<time>.<pid>.<thread>.<n>.heapsnapshot). */
function filesOf(dir: string, pid: number): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot') && f.split('.')[3] === String(pid)).map((f) => join(dir, f));
}

/**
 * Makes each process write a heap snapshot (SIGUSR2, with the flags of profileFlags) and waits
 * until every file is complete (its size holds still). V8 collects garbage fully before a snapshot.
 */
export async function takeHeapSnapshots(dir: string, pids: number[]): Promise<Map<number, string>> {
  const known = new Map(pids.map((pid) => [pid, new Set(filesOf(dir, pid))]));
  for (const pid of pids) process.kill(pid, 'SIGUSR2');
  const out = new Map<number, string>();
  const until = Date.now() + SNAPSHOT_TIMEOUT_MS;
  while (out.size < pids.length) {
    if (Date.now() > until) throw new Error(`heap snapshots not written within ${SNAPSHOT_TIMEOUT_MS} ms`);
    await sleep(1000);
    for (const pid of pids) {
      if (out.has(pid)) continue;
      const fresh = filesOf(dir, pid).find((f) => !known.get(pid)?.has(f));
      if (!fresh) continue;
      const size = statSync(fresh).size;
      await sleep(1000);
      if (size > 0 && statSync(fresh).size === size) out.set(pid, fresh);
    }
  }
  return out;
}

export interface RetainedHeap {
  /** Retained heap added per unit, summed over the processes. */
  bytesPerUnit: number;
  /** The largest kinds of object added (first process), per unit. */
  top: { kind: string; objects: number; bytesPerUnit: number }[];
}

/** What `units` (connections) added to the retained heaps between two sets of snapshots. */
export function retainedPerUnit(before: Map<number, string>, after: Map<number, string>, units: number): RetainedHeap {
  let added = 0;
  let top: RetainedHeap['top'] = [];
  for (const [pid, file] of after) {
    const earlier = before.get(pid);
    if (!earlier) continue;
    const a = totalsOf(JSON.parse(readFileSync(earlier, 'utf8')));
    const b = totalsOf(JSON.parse(readFileSync(file, 'utf8')));
    added += b.total - a.total;
    if (top.length === 0) {
      // The per-process share: the connections this process holds are units / processes.
      top = diff(a, b, units / after.size).slice(0, 8);
    }
  }
  return { bytesPerUnit: added / units, top };
}
