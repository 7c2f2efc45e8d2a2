import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_KAFKA_CEILING_RECORDS, DEFAULT_KAFKA_PACED_RATE } from './data-path-limits';

export interface LimitsArgs {
  durationMs: number;
  window: number;
  kafkaCeilingRecords: number;
  kafkaPacedRate: number;
  outDir: string;
  help: boolean;
}

export const LIMITS_USAGE = `usage: node dist/bench/limits/main.js [--duration-s N] [--window N] [--kafka-records N] [--kafka-rate N] [--out DIR]
  --duration-s N     measured seconds of the Cassandra loop and of the paced Kafka run (default 15)
  --window N         Cassandra writes in flight (default 64, as the full persisted-sends scenario: 4 senders x 16)
  --kafka-records N  records of the unthrottled Kafka run (default ${DEFAULT_KAFKA_CEILING_RECORDS})
  --kafka-rate N     records/s of the paced Kafka run (default ${DEFAULT_KAFKA_PACED_RATE})
  --out DIR          where the JSON result goes (default $TMPDIR/parley-bench/results)
Servers: PARLEY_KAFKA_BROKERS (127.0.0.1:9092), PARLEY_CASSANDRA_CONTACT_POINTS (127.0.0.1:9042),
PARLEY_CASSANDRA_DC (datacenter1), as \`infra/bin/parley-infra env\` prints them.`;

function int(flag: string, raw: string | undefined, min: number, max: number): number {
  const n = Number(raw);
  if (raw === undefined || !Number.isInteger(n) || n < min || n > max) throw new Error(`${flag} needs an integer in [${min}, ${max}], got "${raw ?? ''}"`);
  return n;
}

/** The command line of the limits run; every value checked against a bound that keeps the run short. */
export function parseLimitsArgs(argv: readonly string[]): LimitsArgs {
  const a: LimitsArgs = {
    durationMs: 15_000,
    window: 64,
    kafkaCeilingRecords: DEFAULT_KAFKA_CEILING_RECORDS,
    kafkaPacedRate: DEFAULT_KAFKA_PACED_RATE,
    outDir: join(tmpdir(), 'parley-bench', 'results'),
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => argv[++i];
    switch (flag) {
      case '--duration-s':
        a.durationMs = int(flag, value(), 1, 120) * 1000;
        break;
      case '--window':
        a.window = int(flag, value(), 1, 4096);
        break;
      case '--kafka-records':
        a.kafkaCeilingRecords = int(flag, value(), 1000, 10_000_000);
        break;
      case '--kafka-rate':
        a.kafkaPacedRate = int(flag, value(), 1, 1_000_000);
        break;
      case '--out':
        a.outDir = value() ?? '';
        if (!a.outDir) throw new Error('--out needs a directory');
        break;
      case '--help':
      case '-h':
        a.help = true;
        break;
      default:
        throw new Error(`unknown argument "${flag}"\n${LIMITS_USAGE}`);
    }
  }
  return a;
}
