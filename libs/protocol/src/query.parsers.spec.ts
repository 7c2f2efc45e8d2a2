import { parseHistoryQuery, parsePageQuery, parseReadReceiptsQuery, parseRepliesQuery, parseSearchQuery, parseSeqParam } from './query.parsers';

const q = (s: string) => new URLSearchParams(s);

describe('parseHistoryQuery', () => {
  it('defaults the limit to 50', () => {
    expect(parseHistoryQuery(q(''))).toEqual({ ok: true, value: { limit: 50 } });
  });

  it('reads after_seq or before_seq with a limit', () => {
    expect(parseHistoryQuery(q('after_seq=0&limit=100'))).toEqual({ ok: true, value: { after_seq: 0, limit: 100 } });
    expect(parseHistoryQuery(q('before_seq=10&limit=1'))).toEqual({ ok: true, value: { before_seq: 10, limit: 1 } });
  });

  it.each([
    'after_seq=1&before_seq=5',
    'after_seq=-1',
    'after_seq=1.5',
    'after_seq=abc',
    'after_seq=',
    'after_seq=NaN',
    'before_seq=1e3',
    'limit=0',
    'limit=101',
    'limit=ten',
    'after_seq=99999999999999999',
    'limit=5&limit=6',
  ])('rejects %s', (s) => {
    expect(parseHistoryQuery(q(s)).ok).toBe(false);
  });
});

describe('parsePageQuery', () => {
  it('defaults to the first page of 50', () => {
    expect(parsePageQuery(q(''))).toEqual({ ok: true, value: { limit: 50, cursor: null } });
    expect(parsePageQuery(q('cursor='))).toEqual({ ok: true, value: { limit: 50, cursor: null } });
  });

  it('passes the cursor through', () => {
    expect(parsePageQuery(q('limit=10&cursor=abc'))).toEqual({ ok: true, value: { limit: 10, cursor: 'abc' } });
  });

  it('rejects a bad limit', () => {
    expect(parsePageQuery(q('limit=0')).ok).toBe(false);
    expect(parsePageQuery(q('limit=-3')).ok).toBe(false);
    expect(parsePageQuery(q('limit=101')).ok).toBe(false);
  });
});

describe('parseReadReceiptsQuery', () => {
  it('reads a positive seq', () => {
    expect(parseReadReceiptsQuery(q('seq=1'))).toEqual({ ok: true, value: { seq: 1 } });
    expect(parseReadReceiptsQuery(q('seq=9007199254740991'))).toEqual({ ok: true, value: { seq: Number.MAX_SAFE_INTEGER } });
  });

  it.each(['', 'seq=', 'seq=0', 'seq=-1', 'seq=1.5', 'seq=abc', 'seq=1e3', 'seq=99999999999999999', 'seq=1&seq=2', 'after_seq=1'])('rejects %s', (s) => {
    const r = parseReadReceiptsQuery(q(s));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/seq/);
  });
});

describe('parsePageQuery cursors', () => {
  it.each(['a%00b', 'not base64!', 'x'.repeat(5000)])('refuses %j', (raw) => {
    expect(parsePageQuery(q(`cursor=${raw}`)).ok).toBe(false);
  });

  it('refuses a repeated cursor', () => {
    expect(parsePageQuery(q('cursor=abc&cursor=def')).ok).toBe(false);
  });
});

describe('issue 13: a message seq in the path, and the replies page', () => {
  it('takes a positive integer seq and nothing else', () => {
    expect(parseSeqParam('42')).toEqual({ ok: true, value: 42 });
    for (const raw of [undefined, '', '0', '-1', '1.5', 'abc', '1e3', '99999999999999999']) expect(parseSeqParam(raw).ok).toBe(false);
  });

  it('pages replies from after_seq (default 0) with a bounded limit', () => {
    expect(parseRepliesQuery(q(''))).toEqual({ ok: true, value: { after_seq: 0, limit: 50 } });
    expect(parseRepliesQuery(q('after_seq=7&limit=100'))).toEqual({ ok: true, value: { after_seq: 7, limit: 100 } });
    for (const s of ['limit=0', 'limit=101', 'after_seq=-1', 'after_seq=1&after_seq=2']) expect(parseRepliesQuery(q(s)).ok).toBe(false);
  });
});

describe('parseSearchQuery (issue 13.3)', () => {
  const p = (s: string) => parseSearchQuery(new URLSearchParams(s));
  it('reads q, conversation_id, limit and cursor', () => {
    expect(p('q=%20hello%20world%20')).toEqual({ ok: true, value: { q: 'hello world', conversation_id: null, limit: 50, cursor: null } });
    expect(p('q=hi&conversation_id=c-1&limit=10&cursor=abc')).toEqual({ ok: true, value: { q: 'hi', conversation_id: 'c-1', limit: 10, cursor: 'abc' } });
  });
  it('refuses a missing, empty, repeated, too long or control-character q, and bad paging', () => {
    for (const bad of ['', 'q=', 'q=%20%20', `q=%20${'x'.repeat(200)}`, 'q=a&q=b', `q=${'x'.repeat(201)}`, `q=${Array(17).fill('w').join('+')}`, 'q=a%00b', 'q=a&limit=0', 'q=a&limit=101', 'q=a&cursor=%2F%2F', 'q=a&conversation_id=', `q=a&conversation_id=${'c'.repeat(129)}`]) {
      expect(p(bad).ok).toBe(false);
    }
  });
});
