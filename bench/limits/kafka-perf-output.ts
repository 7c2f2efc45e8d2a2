/**
 * Kafka's ProducerPerformance prints a progress line every 5 s and, at the end, one summary line
 * with latency percentiles. The summary is the figure we keep; the progress lines are not it.
 *
 *   200000 records sent, 65252.9 records/sec (26.76 MB/sec), 882.06 ms avg latency,
 *   1424.00 ms max latency, 776 ms 50th, 1329 ms 95th, 1366 ms 99th, 1418 ms 99.9th.
 *
 * (one line in the tool's output). Kafka's "MB" is 1024 * 1024 bytes.
 */
export interface KafkaPerfSummary {
  records: number;
  recordsPerSecond: number;
  mbPerSecond: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
}

const NUM = '(\\d+(?:\\.\\d+)?)';
const SUMMARY = new RegExp(
  `^${NUM} records sent, ${NUM} records/sec \\(${NUM} MB/sec\\), ${NUM} ms avg latency, ${NUM} ms max latency, ` +
    `${NUM} ms 50th, ${NUM} ms 95th, ${NUM} ms 99th, ${NUM} ms 99\\.9th\\.?$`,
);

/**
 * The summary line of the tool's output (the last one, if the output somehow holds several), or
 * an error naming what was seen instead: a run that failed prints no summary, and a number quietly
 * read from a progress line would look like a result.
 */
export function parseProducerPerfSummary(output: string): KafkaPerfSummary {
  const lines = output.split(/\r?\n/).map((l) => l.trim());
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = SUMMARY.exec(lines[i]);
    if (!m) continue;
    const [records, recordsPerSecond, mbPerSecond, avgLatencyMs, maxLatencyMs, p50Ms, p95Ms, p99Ms, p999Ms] = m.slice(1).map(Number);
    if (!Number.isInteger(records)) throw new Error(`producer perf summary has a fractional record count: "${lines[i]}"`);
    return { records, recordsPerSecond, mbPerSecond, avgLatencyMs, maxLatencyMs, p50Ms, p95Ms, p99Ms, p999Ms };
  }
  const tail = lines.filter(Boolean).slice(-3).join(' | ');
  throw new Error(`no producer perf summary line in the output${tail ? `; last lines: ${tail.slice(0, 600)}` : ' (it was empty)'}`);
}
