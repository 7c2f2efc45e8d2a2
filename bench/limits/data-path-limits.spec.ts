import { replicationCql } from './cassandra-write-loop';
import { DataPathLimits, renderDataPathLimits } from './data-path-limits';
import { parleySendSizes } from './parley-record-sizes';

function sample(): DataPathLimits {
  return {
    date: '2026-11-25T14:00:00.000Z',
    nproc: 2,
    loadAverageAtStart: 0.7,
    loadAverageAtEnd: 2.5,
    sizes: parleySendSizes(64),
    kafka: {
      brokers: '127.0.0.1:9092',
      topic: 'parley.limits.1',
      topicSettings: { partitions: 16, replicationFactor: 1, minInsyncReplicas: 1, source: 'live topic parley.ingress.v1' },
      recordBytes: 487,
      producerProps: ['acks=all', 'enable.idempotence=true'],
      brokerPid: 1,
      brokerIdleCpuPerSecond: 0.1,
      runs: [
        {
          label: 'ceiling',
          throughput: -1,
          numRecords: 100_000,
          summary: { records: 100_000, recordsPerSecond: 71_942, mbPerSecond: 33.41, avgLatencyMs: 437.2, maxLatencyMs: 544, p50Ms: 442, p95Ms: 525, p99Ms: 534, p999Ms: 541 },
          wallSeconds: 2.8,
          brokerCpuSeconds: 0.85,
          clientCpuSeconds: 2.82,
          loadAverage: 2.24,
        },
        { label: 'paced', throughput: 1000, numRecords: 5000, summary: null, wallSeconds: 120, brokerCpuSeconds: 1, clientCpuSeconds: 1, loadAverage: 2, error: 'kafka-perf timed out' },
      ],
    },
    cassandra: { error: 'cassandra connect to 127.0.0.1:9042 timed out' },
  };
}

describe('renderDataPathLimits', () => {
  it('gives absolute figures with their settings, and says what was not measured', () => {
    const md = renderDataPathLimits(sample());
    expect(md).toContain('| ceiling (unthrottled) | 100,000 | 71,942 | 33.41 | 437.2 / 442 / 525 / 534 / 541 / 544 |');
    expect(md).toContain('0.85 (9)'); // 0.85 broker CPU-s over 100,000 records: 9 µs each (rounded)
    expect(md).toContain('| paced (paced 1,000/s) | 0 / 5,000 | n/a |');
    expect(md).toContain('kafka-perf timed out');
    expect(md).toContain('16 partitions, replication factor 1, min.insync.replicas 1');
    expect(md).toContain('Not measured: cassandra connect to 127.0.0.1:9042 timed out');
    expect(md).toContain('load average 0.70 at the start, 2.50 at the end');
  });
});

describe('replicationCql', () => {
  it('renders a replication map and refuses anything but plain words', () => {
    expect(replicationCql({ class: 'SimpleStrategy', replication_factor: '1' })).toBe("{'class': 'SimpleStrategy', 'replication_factor': '1'}");
    expect(() => replicationCql({ class: "x'}; DROP KEYSPACE parley; --" })).toThrow(/plain word/);
    expect(() => replicationCql({ replication_factor: '1' })).toThrow(/no class/);
  });
});
