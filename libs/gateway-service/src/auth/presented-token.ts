/** Where a client puts its access token: an `Authorization: Bearer` header, or (browsers' WebSocket API) `?access_token=`. */

const BEARER = 'bearer ';
const QUERY_KEY = 'access_token=';

/** The token of a `Bearer` authorization header (scheme case-insensitive); null for any other header. */
export function bearerToken(header: string): string | null {
  return header.length >= BEARER.length && header.slice(0, BEARER.length).toLowerCase() === BEARER ? header.slice(BEARER.length).trim() : null;
}

/**
 * The first `access_token` of a query string (without its `?`), exactly as URLSearchParams reads
 * it; '' when absent. A query with no escapes (`%`, `+`) is split by hand: URLSearchParams costs
 * about 2 µs of every upgrade, and a token is base64url and dots, so escapes are the rare case.
 */
export function queryToken(query: string): string {
  if (query.includes('%') || query.includes('+')) return new URLSearchParams(query).get('access_token') ?? '';
  let start: number;
  if (query.startsWith(QUERY_KEY)) start = QUERY_KEY.length;
  else {
    const at = query.indexOf(`&${QUERY_KEY}`);
    if (at < 0) return '';
    start = at + 1 + QUERY_KEY.length;
  }
  const end = query.indexOf('&', start);
  return end < 0 ? query.slice(start) : query.slice(start, end);
}

/** The token an upgrade or a request presents: the bearer header when there is one, else the query's; '' for none. */
export function presentedToken(authorization: string, query: string): string {
  return bearerToken(authorization) ?? queryToken(query);
}
