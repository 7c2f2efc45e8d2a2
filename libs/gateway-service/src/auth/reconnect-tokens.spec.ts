import { createHash } from 'node:crypto';
import { ReconnectTokens, tokenDigest } from './reconnect-tokens';

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const exp = (secondsFromT0: number) => Math.floor(T0 / 1000) + secondsFromT0;

function clock() {
  let t = T0;
  return { now: () => t, advanceSec: (s: number) => (t += s * 1000) };
}

describe('tokenDigest', () => {
  it('is 32 characters, equal for equal tokens and different for tokens one byte apart', () => {
    const a = tokenDigest('header.payload.signature');
    expect(a).toHaveLength(32);
    expect(tokenDigest('header.payload.signature')).toBe(a);
    expect(tokenDigest('header.payload.signaturf')).not.toBe(a);
  });

  it('is the SHA-256 of the token (UTF-8), one character per byte', () => {
    const token = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1LTEifQ.c2lnbmF0dXJl-\u00e9';
    expect(tokenDigest(token)).toBe(createHash('sha256').update(token).digest().toString('latin1'));
  });

  it('gives nothing for an empty or over-long token', () => {
    expect(tokenDigest('')).toBeUndefined();
    expect(tokenDigest('x'.repeat(4097))).toBeUndefined();
  });
});

describe('ReconnectTokens', () => {
  const who = { sub: 'u1', sid: 's1', exp: exp(600) };

  it('answers a remembered token once, under the same key generation', () => {
    const c = clock();
    const r = new ReconnectTokens(10, c.now);
    r.remember('d1', who, 3);
    expect(r.take('d1', 3)).toEqual(who);
    expect(r.take('d1', 3)).toBeUndefined();
  });

  it('does not answer under another key generation (a key rotated out) or an unknown digest', () => {
    const r = new ReconnectTokens(10, clock().now);
    r.remember('d1', who, 3);
    expect(r.take('d2', 3)).toBeUndefined();
    expect(r.take('d1', 4)).toBeUndefined();
  });

  it('neither keeps nor answers an expired token', () => {
    const c = clock();
    const r = new ReconnectTokens(10, c.now);
    r.remember('gone', { ...who, exp: exp(0) }, 1);
    expect(r.size).toBe(0);
    r.remember('d1', { ...who, exp: exp(60) }, 1);
    c.advanceSec(60);
    expect(r.take('d1', 1)).toBeUndefined();
  });

  it('is bounded: the oldest entry goes first', () => {
    const r = new ReconnectTokens(2, clock().now);
    r.remember('a', who, 1);
    r.remember('b', who, 1);
    r.remember('c', who, 1);
    expect(r.size).toBe(2);
    expect(r.take('a', 1)).toBeUndefined();
    expect(r.take('c', 1)).toEqual(who);
  });

  it('prunes expired entries, looking at no more than its budget', () => {
    const c = clock();
    const r = new ReconnectTokens(10, c.now);
    for (const d of ['a', 'b', 'c']) r.remember(d, { ...who, exp: exp(30) }, 1);
    r.remember('late', { ...who, exp: exp(300) }, 1);
    c.advanceSec(31);
    r.prune(2);
    expect(r.size).toBe(2);
    r.prune();
    expect(r.size).toBe(1);
    expect(r.take('late', 1)).toMatchObject({ sid: 's1' });
  });

  it('remembers nothing when its bound is 0', () => {
    const r = new ReconnectTokens(0, clock().now);
    r.remember('a', who, 1);
    expect(r.size).toBe(0);
  });
});
