import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export interface BenchEnvironment {
  date: string;
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  openFilesLimit: string;
  node: string;
  packages: Record<string, string>;
  /** The checkout the bench ran from, and its uncommitted files (others may be mid-edit). */
  commit: string;
  dirtyFiles: number;
  /** Where the Parley under test was built; its commit when that is a git checkout or names one in BENCH-SOURCE. */
  parleyRoot: string;
  parleySource: string;
  command: string;
}

const PACKAGES = ['uWebSockets.js', 'socket.io', '@socket.io/redis-adapter', 'ioredis', 'ws', '@electric-sql/pglite'];

function gitIn(dir: string, args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch (err) {
    return `unknown (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
  }
}

/** The setup to record next to every figure. */
export function describeEnvironment(repoRoot: string, parleyRoot: string, command: string): BenchEnvironment {
  const packages: Record<string, string> = {};
  for (const name of PACKAGES) {
    try {
      const pkg = JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as { name: string; version: string };
      packages[name] = pkg.name === name ? pkg.version : `${pkg.version} (${pkg.name})`;
    } catch (err) {
      packages[name] = `not installed (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
    }
  }
  const status = gitIn(repoRoot, ['status', '--porcelain']);
  // A clean export of a commit (`git archive`, see docs/benchmarks.md) names it in BENCH-SOURCE.
  const exported = (dir: string) => (existsSync(join(dir, 'BENCH-SOURCE')) ? readFileSync(join(dir, 'BENCH-SOURCE'), 'utf8').trim() : null);
  const repoCommit = exported(repoRoot) ?? gitIn(repoRoot, ['rev-parse', 'HEAD']);
  const parleySource =
    parleyRoot === repoRoot
      ? exported(repoRoot) !== null
        ? `this export of ${repoCommit}`
        : 'this checkout (work tree as built)'
      : (exported(parleyRoot) ?? gitIn(parleyRoot, ['rev-parse', 'HEAD']));
  const limits = /^Max open files\s+(\d+)\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return {
    date: new Date().toISOString(),
    nproc: cpus().length,
    cpuModel: (/^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown').trim(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    openFilesLimit: limits ? `${limits[1]} (hard ${limits[2]})` : 'unknown',
    node: process.version,
    packages,
    commit: repoCommit,
    dirtyFiles: exported(repoRoot) !== null || status.startsWith('unknown') ? 0 : status.split('\n').filter(Boolean).length,
    parleyRoot,
    parleySource,
    command,
  };
}
