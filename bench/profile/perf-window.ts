import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * `node dist/bench/profile/perf-window.js PERF.data BENCH.json [PID]`: where a Parley process's CPU
 * went inside a fan-out round's connect window, by half, thread kind and category, from a
 * system-wide `perf` recording stamped on the monotonic clock that the bench's windows use:
 *
 *   perf record -o PERF.data -a -k mono -F 1999 &
 *   NODE_OPTIONS=--perf-basic-prof node dist/bench/run.js --scenarios fanout ...   # then stop perf with SIGINT
 *
 * cpu-clock samples count only time on a CPU; V8's own profiler (`--profile`) also counts a thread
 * that is waiting for a core as busy, which on a loaded 2-core machine blurs an A/B. PID defaults
 * to the round's first named process (standalone's one process). The halves are split at the
 * first quiet 250 ms after the window opens (the bench settles between them).
 */

export interface PerfSample {
  pid: number;
  tid: number;
  seconds: number;
  symbol: string;
  dso: string;
}

const LINE = /^\s*.*?\s(\d+)\/(\d+)\s+(\d+\.\d+):\s+[0-9a-f]+\s+(.*?)\s*\(([^()]*)\)\s*$/;

/** One line of `perf script -F comm,pid,tid,time,ip,sym,dso --ns`; null for anything else. */
export function parsePerfLine(line: string): PerfSample | null {
  const m = LINE.exec(line);
  if (!m) return null;
  const dso = m[5].split('/').pop() ?? m[5];
  return { pid: Number(m[1]), tid: Number(m[2]), seconds: Number(m[3]), symbol: m[4], dso: dso.startsWith('perf-') ? 'JIT' : dso };
}

/** What a sample was doing, in the categories docs/benchmarks.md reads. */
export function categoryOf(s: Pick<PerfSample, 'symbol' | 'dso'>): string {
  const { symbol, dso } = s;
  if (dso === '[kernel.kallsyms]') return 'kernel';
  if (/^(fe_|ge_|slide|ossl_ed25519|x25519|sha512_|SHA512|ED25519|ecx_)/.test(symbol)) return 'Ed25519 (OpenSSL)';
  if (/sha256/i.test(symbol)) return 'SHA-256';
  if (dso === 'JIT') return symbol.includes('wasm-function') ? 'WebAssembly (PGlite)' : 'JavaScript';
  if (symbol.includes('v8::internal::compiler::') || symbol.includes('v8::internal::maglev')) return 'V8 compiler (TurboFan)';
  if (symbol.includes('v8::internal::wasm::')) return 'V8 WebAssembly compiler';
  if (/Scaveng|v8::internal::Heap|MarkCompact|Marking|Sweeper|Evacuat|MemoryAllocator|PagedSpace|SemiSpace|RememberedSet/.test(symbol)) return 'garbage collection';
  if (symbol.startsWith('Builtins_')) return 'V8 builtins';
  if (dso.startsWith('uws_')) return 'uWS';
  if (dso.startsWith('lib')) return 'libc and libstdc++';
  if (symbol.includes('v8::')) return 'V8 runtime';
  return 'node, other';
}

export type Half = 'first' | 'second';

/** Sample counts of `pid` inside [start, end] by half, thread kind (main: tid == pid) and category. */
export function tally(samples: readonly PerfSample[], pid: number, start: number, end: number): Map<string, number> {
  const mine = samples.filter((s) => s.pid === pid && s.seconds >= start && s.seconds <= end);
  const busy = new Map<number, number>();
  for (const s of mine) {
    if (s.tid !== pid) continue;
    const bin = Math.floor((s.seconds - start) / 0.25);
    busy.set(bin, (busy.get(bin) ?? 0) + 1);
  }
  const peak = Math.max(0, ...busy.values());
  let quiet = 1;
  while (quiet < 10_000 && (busy.get(quiet) ?? 0) >= peak / 10) quiet++;
  const cut = start + quiet * 0.25;
  const out = new Map<string, number>();
  for (const s of mine) {
    const key = `${s.seconds < cut ? 'first' : 'second'}|${s.tid === pid ? 'main' : 'helpers'}|${categoryOf(s)}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

/** A markdown table: one row per category, a column per half and thread kind. */
export function tallyTable(counts: Map<string, number>): string {
  const columns = ['first|main', 'second|main', 'first|helpers', 'second|helpers'];
  const categories = [...new Set([...counts.keys()].map((k) => k.split('|')[2]))];
  const total = (c: string) => columns.reduce((a, col) => a + (counts.get(`${col}|${c}`) ?? 0), 0);
  categories.sort((a, b) => total(b) - total(a));
  const sum = (col: string) => categories.reduce((a, c) => a + (counts.get(`${col}|${c}`) ?? 0), 0);
  const rows = categories.map((c) => `| ${c} | ${columns.map((col) => counts.get(`${col}|${c}`) ?? 0).join(' | ')} |`);
  return [
    '| category (samples) | main, first half | main, second half | helpers, first half | helpers, second half |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    `| **all** | ${columns.map(sum).join(' | ')} |`,
  ].join('\n');
}

function main(argv: string[]): void {
  const [perfData, benchJson, pidArg] = argv;
  if (!perfData || !benchJson) throw new Error('usage: perf-window PERF.data BENCH.json [PID]');
  const round = (JSON.parse(readFileSync(benchJson, 'utf8')) as { fanoutRounds: Array<{ connectWindowNs: [string, string] | null; namedPids?: Record<string, number> }> }).fanoutRounds[0];
  if (!round?.connectWindowNs) throw new Error(`${benchJson}: no fan-out round with a connect window`);
  const pid = pidArg ? Number(pidArg) : Object.values(round.namedPids ?? {})[0];
  if (!Number.isInteger(pid)) throw new Error('no process id: pass one');
  const [start, end] = round.connectWindowNs.map((ns) => Number(BigInt(ns) / 1000n) / 1e6);
  const text = execFileSync('perf', ['script', '-i', perfData, '-F', 'comm,pid,tid,time,ip,sym,dso', '--ns', '--pid', String(pid)], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const samples = text.split('\n').map(parsePerfLine).filter((s): s is PerfSample => s !== null);
  process.stdout.write(`pid ${pid}, connect window ${(end - start).toFixed(2)} s\n\n${tallyTable(tally(samples, pid, start, end))}\n`);
}

if (require.main === module) main(process.argv.slice(2));
