import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderDataPathLimits, runDataPathLimits } from './data-path-limits';
import { LIMITS_USAGE, parseLimitsArgs } from './limits-args';

/**
 * `node dist/bench/limits/main.js`: the raw limits of Kafka and Cassandra under Parley's send path,
 * alone (no Parley running). Prints Markdown, writes the JSON beside the bench's other results.
 * Needs the servers of `infra/bin/parley-infra start all`; leaves them running.
 */

/** dist/bench/limits/main.js -> the repository root. */
const REPO_ROOT = resolve(__dirname, '..', '..', '..');
/** Whatever happens, the run ends by then (the Kafka tool runs are killed by pid at their own bound). */
const MAX_RUN_MS = 10 * 60_000;

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const args = parseLimitsArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${LIMITS_USAGE}\n`);
    return;
  }
  const deadline = setTimeout(() => {
    log(`limits: ${MAX_RUN_MS / 60_000} minute bound reached; exiting`);
    process.exit(4);
  }, MAX_RUN_MS);
  deadline.unref();
  const r = await runDataPathLimits({
    repoRoot: REPO_ROOT,
    cassandraContactPoints: process.env.PARLEY_CASSANDRA_CONTACT_POINTS || '127.0.0.1:9042',
    kafkaBrokers: process.env.PARLEY_KAFKA_BROKERS || '127.0.0.1:9092',
    durationMs: args.durationMs,
    window: args.window,
    kafkaCeilingRecords: args.kafkaCeilingRecords,
    kafkaPacedRate: args.kafkaPacedRate,
    log,
  });
  mkdirSync(args.outDir, { recursive: true });
  const file = join(args.outDir, `limits-${r.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(r, null, 2));
  process.stdout.write(`${renderDataPathLimits(r)}\n`);
  log(`result: ${file}`);
  if ('error' in r.kafka || 'error' in r.cassandra) process.exitCode = 1;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    log(`limits failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
