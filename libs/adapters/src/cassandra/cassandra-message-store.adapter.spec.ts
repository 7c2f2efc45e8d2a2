import { DomainError, isDomainError } from '@parley/domain';
import { errors, types } from 'cassandra-driver';
import { mapCassandraError } from './cassandra-message-store.adapter';
import { bucketOf, checkKeyspace, messageStoreTables } from './cassandra-message-store.schema';

describe('mapCassandraError', () => {
  it.each([
    ['no host available', new errors.NoHostAvailableError({})],
    ['a client-side timeout', new errors.OperationTimedOutError('timed out')],
    ['too few replicas', new errors.ResponseError(types.responseErrorCodes.unavailableException, 'Cannot achieve consistency')],
    ['a coordinator write timeout', new errors.ResponseError(types.responseErrorCodes.writeTimeout, 'write timeout')],
    ['an overloaded node', new errors.ResponseError(types.responseErrorCodes.overloaded, 'overloaded')],
  ])('maps %s to UNAVAILABLE', (_, error) => {
    const mapped = mapCassandraError(error);
    expect(isDomainError(mapped) && mapped.code).toBe('UNAVAILABLE');
    expect((mapped as DomainError).cause).toBe(error);
  });

  it('passes request errors through', () => {
    const invalid = new errors.ResponseError(types.responseErrorCodes.invalid, 'Undefined column name');
    expect(mapCassandraError(invalid)).toBe(invalid);
    const syntax = new errors.ResponseError(types.responseErrorCodes.syntaxError, 'line 1:0');
    expect(mapCassandraError(syntax)).toBe(syntax);
  });
});

describe('message store schema', () => {
  it('puts 10,000 seqs in a bucket by default, and a custom size when asked', () => {
    expect([0, 1, 9_999, 10_000, 25_000].map((seq) => bucketOf(seq))).toEqual([0, 0, 0, 1, 2]);
    expect([1, 2, 3, 4, 7].map((seq) => bucketOf(seq, 3))).toEqual([0, 0, 1, 1, 2]);
  });

  it('accepts only plain CQL identifiers as keyspace names', () => {
    expect(() => checkKeyspace('parley_it_1')).not.toThrow();
    for (const bad of ['', 'Parley', '1parley', 'a-b', 'x; DROP KEYSPACE y', 'a'.repeat(49)]) {
      expect(() => checkKeyspace(bad)).toThrow(/keyspace/);
    }
  });

  it('creates plain tables only: no counters, no materialized views, no secondary indexes', () => {
    const ddl = messageStoreTables('parley').join('\n').toLowerCase();
    for (const unsupported of ['counter', 'materialized view', 'create index', 'custom index']) {
      expect(ddl).not.toContain(unsupported);
    }
  });
});
