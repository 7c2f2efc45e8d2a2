import { decodeSearchCursor, encodeSearchCursor } from './search-cursor';

const codeOf = (f: () => unknown) => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return (e as { code: string }).code;
  }
};

describe('search cursor', () => {
  it('round-trips a position and treats null as the first page', () => {
    const p = { at: '2026-12-04T23:00:00.123Z', conversation_id: 'c-1', seq: 42 };
    expect(decodeSearchCursor(encodeSearchCursor(p))).toEqual(p);
    expect(decodeSearchCursor(null)).toBeNull();
  });

  it('refuses cursors it did not write', () => {
    const raw = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    expect(codeOf(() => decodeSearchCursor('not-json'))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => decodeSearchCursor(raw({ at: '2026-02-30T00:00:00.000Z', c: 'c', s: 1 })))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => decodeSearchCursor(raw({ at: '2026-12-04T23:00:00.123Z', c: '', s: 1 })))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => decodeSearchCursor(raw({ at: '2026-12-04T23:00:00.123Z', c: 'c', s: 0 })))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => decodeSearchCursor(raw({ at: '2026-12-04T23:00:00.123Z', c: 'c', s: 1.5 })))).toBe('VALIDATION_FAILED');
  });
});
