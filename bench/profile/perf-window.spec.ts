import { categoryOf, parsePerfLine, PerfSample, tally, tallyTable } from './perf-window';

// Lines as `perf script -F comm,pid,tid,time,ip,sym,dso --ns` printed them for a bench round.
const LINES = {
  ed25519: '            node 29502/29502 35627.770836754:           1b4795d fe_mul (/usr/bin/node)',
  wasm: '            node 29472/29472 35602.057501793:      2239940b9e68 JS:wasm-function[5453]-5453-liftoff (/tmp/perf-29472.map)',
  turbofan: '            node 29461/29466 35600.376667274:           21bf182 v8::internal::compiler::GraphReducer::ReduceTop (/usr/bin/node)',
  kernel: '         swapper     0/0     35600.292622847:  ffffffff8224215b pv_native_safe_halt ([kernel.kallsyms])',
  uws: '            node 29472/29472 35601.217077147:      7fedb3654b9e [unknown] (/work/main/node_modules/uWebSockets.js/binaries/uws_linux_x64_115.node)',
  js: '            node 29461/29461 35600.295574813:      7f2d7efd264d JS:*emitBeforeScript node:internal/async_hooks:509:26 (/tmp/perf-29461.map)',
  nested: '            node 29461/29461 35600.300000000:           c8b03d v8::internal::(anonymous namespace)::Invoke (/usr/bin/node)',
};

describe('perf-window', () => {
  it('parses perf script lines, JIT maps and symbols with parentheses included', () => {
    expect(parsePerfLine(LINES.turbofan)).toEqual({ pid: 29461, tid: 29466, seconds: 35600.376667274, symbol: 'v8::internal::compiler::GraphReducer::ReduceTop', dso: 'node' });
    expect(parsePerfLine(LINES.js)).toMatchObject({ symbol: 'JS:*emitBeforeScript node:internal/async_hooks:509:26', dso: 'JIT' });
    expect(parsePerfLine(LINES.nested)).toMatchObject({ symbol: 'v8::internal::(anonymous namespace)::Invoke', dso: 'node' });
    expect(parsePerfLine('')).toBeNull();
    expect(parsePerfLine('perf: some warning')).toBeNull();
  });

  it('puts each sample in the category benchmarks.md reads', () => {
    const category = (line: string) => categoryOf(parsePerfLine(line) as PerfSample);
    expect(category(LINES.ed25519)).toBe('Ed25519 (OpenSSL)');
    expect(category(LINES.wasm)).toBe('WebAssembly (PGlite)');
    expect(category(LINES.turbofan)).toBe('V8 compiler (TurboFan)');
    expect(category(LINES.kernel)).toBe('kernel');
    expect(category(LINES.uws)).toBe('uWS');
    expect(category(LINES.js)).toBe('JavaScript');
    expect(category(LINES.nested)).toBe('V8 runtime');
  });

  it('tallies one process inside the window, split into halves at the first quiet 250 ms', () => {
    const at = (seconds: number, tid: number, symbol: string): PerfSample => ({ pid: 10, tid, seconds, symbol, dso: 'node' });
    const samples: PerfSample[] = [
      at(99.9, 10, 'fe_mul'), // before the window
      ...Array.from({ length: 40 }, (_, i) => at(100 + i * 0.01, 10, 'fe_mul')), // first half, busy
      at(100.1, 11, 'v8::internal::compiler::GraphReducer::ReduceTop'),
      at(100.6, 10, 'fe_sq'), // the settle: one sample in a quiet bin
      ...Array.from({ length: 20 }, (_, i) => at(101 + i * 0.01, 10, 'Builtins_LoadIC')), // second half
      { ...at(101.05, 99, 'fe_mul'), pid: 99 }, // another process
      at(102.1, 10, 'fe_mul'), // after the window
    ];
    const counts = tally(samples, 10, 100, 102);
    expect(Object.fromEntries(counts)).toEqual({
      'first|main|Ed25519 (OpenSSL)': 40,
      'first|helpers|V8 compiler (TurboFan)': 1,
      'second|main|Ed25519 (OpenSSL)': 1,
      'second|main|V8 builtins': 20,
    });
    const table = tallyTable(counts);
    expect(table).toContain('| Ed25519 (OpenSSL) | 40 | 1 | 0 | 0 |');
    expect(table).toContain('| **all** | 40 | 21 | 1 | 0 |');
  });
});
