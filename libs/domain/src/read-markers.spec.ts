import { isDomainError } from './errors';
import { advanceReadMarker, readByCount, unreadCount } from './read-markers';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return isDomainError(e) ? e.code : `non-domain error: ${String(e)}`;
  }
  return 'none';
}

describe('advanceReadMarker', () => {
  it('moves the marker forward', () => {
    expect(advanceReadMarker(3, 7, 10)).toBe(7);
  });

  it('accepts the last seq itself', () => {
    expect(advanceReadMarker(0, 10, 10)).toBe(10);
  });

  it('accepts and ignores a lower or equal seq: markers never move back', () => {
    expect(advanceReadMarker(7, 3, 10)).toBe(7);
    expect(advanceReadMarker(7, 7, 10)).toBe(7);
    expect(advanceReadMarker(7, 0, 10)).toBe(7);
  });

  it('rejects a seq above the conversation last_seq', () => {
    expect(codeOf(() => advanceReadMarker(0, 11, 10))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => advanceReadMarker(0, 1, 0))).toBe('VALIDATION_FAILED');
  });

  it('rejects a negative, fractional or non-finite seq', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(codeOf(() => advanceReadMarker(0, bad, 10))).toBe('VALIDATION_FAILED');
    }
  });
});

describe('unreadCount', () => {
  it('is the number of seqs after the marker', () => {
    expect(unreadCount(10, 4)).toBe(6);
    expect(unreadCount(10, 10)).toBe(0);
    expect(unreadCount(0, 0)).toBe(0);
  });

  it('is never negative', () => {
    expect(unreadCount(3, 5)).toBe(0);
  });
});

describe('readByCount', () => {
  const markers = [0, 2, 5, 5, 9];

  it('counts the markers at or past a seq', () => {
    expect(readByCount(markers, 5)).toBe(3);
    expect(readByCount(markers, 3)).toBe(3);
    expect(readByCount(markers, 6)).toBe(1);
    expect(readByCount(markers, 9)).toBe(1);
  });

  it('is everyone for seq 0 and no one past the highest marker', () => {
    expect(readByCount(markers, 0)).toBe(5);
    expect(readByCount(markers, 10)).toBe(0);
  });

  it('is 0 without markers', () => {
    expect(readByCount([], 1)).toBe(0);
  });

  it('agrees with a linear count on many sorted lists', () => {
    for (let n = 0; n < 30; n++) {
      const list = Array.from({ length: n }, (_, i) => Math.floor((i * 7) / 3)).sort((a, b) => a - b);
      for (let seq = 0; seq <= 80; seq++) {
        expect(readByCount(list, seq)).toBe(list.filter((m) => m >= seq).length);
      }
    }
  });
});
