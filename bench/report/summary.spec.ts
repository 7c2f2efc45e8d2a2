import { DataPathLimits } from '../limits/data-path-limits';
import { SendsRound } from '../scenarios/persisted-sends.scenario';
import { sendsLimit, sendsNote } from './summary';

/** Only the fields sendsLimit reads; the rest of a real result does not matter to it. */
function limits(kafkaCeiling: number | null, cassandraWrites: number | null): DataPathLimits {
  return {
    kafka:
      kafkaCeiling === null
        ? { error: 'broker down' }
        : ({ runs: [{ label: 'ceiling', summary: { recordsPerSecond: kafkaCeiling } }, { label: 'paced', summary: { recordsPerSecond: 1000 } }] } as unknown as DataPathLimits['kafka']),
    cassandra: cassandraWrites === null ? { error: 'cassandra down' } : ({ writesPerSecond: cassandraWrites } as unknown as DataPathLimits['cassandra']),
  } as DataPathLimits;
}

describe('sendsLimit', () => {
  it('is the lower of Kafka over two appends per send and the Cassandra write rate', () => {
    expect(sendsLimit(limits(200_000, 35_000))).toEqual({ kafka: 200_000, cassandra: 35_000, sends: 35_000 });
    expect(sendsLimit(limits(50_000, 35_000))?.sends).toBe(25_000);
  });

  it('is unknown when either side failed or did not run', () => {
    expect(sendsLimit(limits(null, 35_000))).toBeNull();
    expect(sendsLimit(limits(200_000, null))).toBeNull();
    expect(sendsLimit(null)).toBeNull();
  });
});

describe('sendsNote', () => {
  const round = (repeats: number | null, error?: string) => ({ repeats, error }) as SendsRound;

  it('flags a round whose sends the server answered as repeats', () => {
    expect(sendsNote(round(1234))).toBe('1,234 sends answered as repeats: not fresh sends');
    expect(sendsNote(round(3, 'boom'))).toBe('boom; 3 sends answered as repeats: not fresh sends');
  });

  it('is empty for fresh sends, and when the target cannot tell', () => {
    expect(sendsNote(round(0))).toBe('');
    expect(sendsNote(round(null))).toBe('');
    expect(sendsNote(round(0, 'boom'))).toBe('boom');
  });
});
