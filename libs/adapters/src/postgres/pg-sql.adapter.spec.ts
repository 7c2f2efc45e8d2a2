import { DomainError, isDomainError } from '@parley/domain';
import { PgSqlDb, mapPgError } from './pg-sql.adapter';
import { parleyTypeParsers, parseDate, parseInt8 } from './pg-type-parsers';

const withCode = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

describe('mapPgError', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a reset connection', withCode('ECONNRESET')],
    ['a connection exception (08006)', withCode('08006')],
    ['an admin shutdown (57P01)', withCode('57P01')],
    ['too many connections (53300)', withCode('53300')],
    ['a statement timeout (57014)', withCode('57014')],
    ['a pool that waited too long', new Error('timeout exceeded when trying to connect')],
    ['a connection that died mid-query', new Error('Connection terminated unexpectedly')],
    ['a client-side read timeout', new Error('Query read timeout')],
  ])('maps %s to UNAVAILABLE, keeping the cause', (_, error) => {
    const mapped = mapPgError(error);
    expect(isDomainError(mapped) && mapped.code).toBe('UNAVAILABLE');
    expect((mapped as DomainError).cause).toBe(error);
  });

  it('passes statement errors through with their SQLSTATE', () => {
    const unique = withCode('23505', 'duplicate key');
    expect(mapPgError(unique)).toBe(unique);
    const syntax = withCode('42601', 'syntax error');
    expect(mapPgError(syntax)).toBe(syntax);
    const plain = new Error('a bug');
    expect(mapPgError(plain)).toBe(plain);
  });
});

describe('PgSqlDb options', () => {
  it('refuses a bad URL or bounds before opening anything', () => {
    expect(() => new PgSqlDb({ connectionString: 'mysql://x' })).toThrow(/postgres:\/\//);
    expect(() => new PgSqlDb({ connectionString: 'postgres://a@b/c', maxConnections: 0 })).toThrow(/maxConnections/);
    expect(() => new PgSqlDb({ connectionString: 'postgres://a@b/c', statementTimeoutMs: 5000, queryTimeoutMs: 5000 })).toThrow(/queryTimeoutMs/);
  });
});

describe('type parsers', () => {
  it('reads int8 as a number while it is safe, and as a BigInt beyond', () => {
    expect(parseInt8('42')).toBe(42);
    expect(parseInt8('-9007199254740991')).toBe(-9007199254740991);
    expect(parseInt8('9007199254740993')).toBe(9007199254740993n);
  });

  it('reads a date as midnight UTC whatever the process time zone', () => {
    expect(parseDate('2020-01-02')).toEqual(new Date('2020-01-02T00:00:00.000Z'));
    expect(parseDate('infinity')).toBe(Infinity);
    expect(parseDate('-infinity')).toBe(-Infinity);
  });

  it('reads int8 arrays element by element and leaves other types to node-postgres', () => {
    const parserOf = (oid: number) => parleyTypeParsers.getTypeParser(oid as Parameters<typeof parleyTypeParsers.getTypeParser>[0], 'text') as (v: string) => unknown;
    const int8Array = parserOf(1016);
    expect(int8Array('{1,NULL,9007199254740993}')).toEqual([1, null, 9007199254740993n]);
    const int4 = parserOf(23);
    expect(int4('7')).toBe(7);
  });
});
