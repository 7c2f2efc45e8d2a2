import { bearerToken, presentedToken, queryToken } from './presented-token';

const viaUrlSearchParams = (q: string) => new URLSearchParams(q).get('access_token') ?? '';

describe('presented tokens', () => {
  it('reads a Bearer header whatever the scheme case, and nothing else', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bEaReR   abc ')).toBe('abc');
    expect(bearerToken('Bearer ')).toBe('');
    expect(bearerToken('Basic dXNlcjpwYXNz')).toBeNull();
    expect(bearerToken('Bearer')).toBeNull();
    expect(bearerToken('')).toBeNull();
  });

  it('reads the query exactly as URLSearchParams does', () => {
    const queries = [
      '',
      'access_token=abc.def.ghi',
      'x=1&access_token=abc.def',
      'access_token=first&access_token=second',
      'my_access_token=no&access_token=yes',
      'access_token',
      'access_token=',
      'access_token=a=b&c',
      'access%5Ftoken=escaped-name',
      'access_token=a%2Eb%2Ec',
      'access_token=a+b',
      'access_token=%E0%A4%A',
      'x=access_token=no',
      '&&access_token=t&&',
    ];
    for (const q of queries) expect([q, queryToken(q)]).toEqual([q, viaUrlSearchParams(q)]);
  });

  it('agrees with URLSearchParams on random queries over the characters that matter', () => {
    const alphabet = ['a', '_', '=', '&', '%', '2', 'E', '+', '.', 'access_token=', '&access_token='];
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 5000; i++) {
      let q = '';
      const length = next() % 12;
      for (let j = 0; j < length; j++) q += alphabet[next() % alphabet.length];
      expect([q, queryToken(q)]).toEqual([q, viaUrlSearchParams(q)]);
    }
  });

  it('prefers a Bearer header over the query, and falls back to the query for any other header', () => {
    expect(presentedToken('Bearer from-header', 'access_token=from-query')).toBe('from-header');
    expect(presentedToken('Basic x', 'access_token=from-query')).toBe('from-query');
    expect(presentedToken('', '')).toBe('');
  });
});
