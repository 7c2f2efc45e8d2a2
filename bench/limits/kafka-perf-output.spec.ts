import { parseProducerPerfSummary } from './kafka-perf-output';

describe('parseProducerPerfSummary', () => {
  const progress = '5002 records sent, 1000.2 records/sec (0.41 MB/sec), 1.3 ms avg latency, 220.0 ms max latency.';
  const summary =
    '10000 records sent, 998.3 records/sec (0.41 MB/sec), 0.80 ms avg latency, 220.00 ms max latency, 0 ms 50th, 2 ms 95th, 17 ms 99th, 22 ms 99.9th.';

  it('reads the summary line, not the progress lines before it', () => {
    expect(parseProducerPerfSummary(`${progress}\n${summary}\n`)).toEqual({
      records: 10_000,
      recordsPerSecond: 998.3,
      mbPerSecond: 0.41,
      avgLatencyMs: 0.8,
      maxLatencyMs: 220,
      p50Ms: 0,
      p95Ms: 2,
      p99Ms: 17,
      p999Ms: 22,
    });
  });

  it('takes the last summary when there are several, and tolerates CRLF and log noise', () => {
    const first = summary.replace('10000 records', '5 records');
    const text = `[main] WARN something\r\n${first}\r\n${progress}\r\n${summary.replace('998.3', '65252.9')}\r\n`;
    const r = parseProducerPerfSummary(text);
    expect(r.records).toBe(10_000);
    expect(r.recordsPerSecond).toBe(65252.9);
  });

  it('refuses output with only progress lines, naming what it saw', () => {
    expect(() => parseProducerPerfSummary(progress)).toThrow(/no producer perf summary.*1000\.2 records\/sec/);
    expect(() => parseProducerPerfSummary('')).toThrow(/it was empty/);
  });

  it('refuses a summary with a fractional record count', () => {
    expect(() => parseProducerPerfSummary(summary.replace('10000 records', '10000.5 records'))).toThrow(/fractional/);
  });
});
