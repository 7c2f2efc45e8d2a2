import { decodeCursor, encodeCursor } from './cursor';

const raw = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');

describe('keyset cursors', () => {
  it('round-trips what encodeCursor made', () => {
    const at = new Date(Date.UTC(2026, 11, 4, 18, 0, 0, 123)).toISOString();
    expect(decodeCursor(encodeCursor(at, 'c1'))).toEqual({ at, id: 'c1' });
    expect(decodeCursor(null)).toBeNull();
  });

  // Each of these parsed as a date in JavaScript but is not a timestamp Postgres can use (a 500 before).
  it.each(['1', '2020-02-30', '2020-02-30T00:00:00.000Z', '+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z', '0000-01-01T00:00:00.000Z', '2020-01-01T00:00:00Z', '2020-01-01 00:00:00'])(
    'refuses at=%j with a 400',
    (at) => {
      expect(() => decodeCursor(raw({ at, id: 'c1' }))).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    },
  );

  it.each([{ at: '2020-01-01T00:00:00.000Z', id: 'a\u0000b' }, { at: '2020-01-01T00:00:00.000Z', id: '\uD800' }, { at: '2020-01-01T00:00:00.000Z', id: '' }, { at: 1, id: 'c' }, []])('refuses %j', (v) => {
    expect(() => decodeCursor(raw(v))).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
