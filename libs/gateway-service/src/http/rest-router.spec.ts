import { RestRouter, RouteHandler } from './rest-router';

/** Handlers that answer with their own name, so a test can tell which one matched. */
const named = (name: string): RouteHandler => async () => ({ status: 200, body: name });

function router(): RestRouter {
  return new RestRouter()
    .add('GET', '/v1/conversations', named('list'))
    .add('POST', '/v1/conversations', named('create'))
    .add('GET', '/v1/conversations/:id', named('get'))
    .add('GET', '/v1/conversations/:id/messages', named('history'))
    .add('DELETE', '/v1/conversations/:id/members/:userId', named('remove'))
    .add('GET', '/v1/users/me', named('me'))
    .add('GET', '/v1/users/:id', named('user'));
}

async function nameOf(match: ReturnType<RestRouter['match']>): Promise<unknown> {
  if (match === null || !('handler' in match)) return match;
  return (await match.handler({ x: undefined as never, params: match.params })).body;
}

describe('RestRouter', () => {
  it('matches method and path', async () => {
    const r = router();
    expect(await nameOf(r.match('GET', '/v1/conversations'))).toBe('list');
    expect(await nameOf(r.match('POST', '/v1/conversations'))).toBe('create');
  });

  it('captures :name segments as params', () => {
    const match = router().match('DELETE', '/v1/conversations/c-1/members/u-2');
    expect(match).toMatchObject({ params: { id: 'c-1', userId: 'u-2' } });
  });

  it('percent-decodes params', () => {
    expect(router().match('GET', '/v1/conversations/a%20b%2Fc')).toMatchObject({ params: { id: 'a b/c' } });
  });

  it('prefers the route added first when a literal and a param both match', async () => {
    expect(await nameOf(router().match('GET', '/v1/users/me'))).toBe('me');
    expect(await nameOf(router().match('GET', '/v1/users/someone'))).toBe('user');
  });

  it('tells a known path with another method apart from an unknown path', () => {
    const r = router();
    expect(r.match('PUT', '/v1/conversations')).toEqual({ allow: ['GET', 'POST'] });
    expect(r.match('POST', '/v1/conversations/c-1')).toEqual({ allow: ['GET'] });
    expect(r.match('GET', '/v1/nowhere')).toBeNull();
    expect(r.match('GET', '/v1/conversations/c-1/messages/extra')).toBeNull();
  });

  it('ignores empty segments, so a trailing slash matches', async () => {
    expect(await nameOf(router().match('GET', '/v1/conversations/'))).toBe('list');
  });

  it('names a param that is not valid percent-encoded UTF-8 (a 400), and does not match one empty or too long', () => {
    const r = router();
    expect(r.match('GET', '/v1/conversations/%E0%A4%A')).toEqual({ invalid: 'id' });
    expect(r.match('GET', '/v1/conversations/x%ED%A0%80')).toEqual({ invalid: 'id' });
    expect(r.match('GET', `/v1/conversations/${'x'.repeat(129)}`)).toBeNull();
    expect(r.match('GET', `/v1/conversations/${'x'.repeat(128)}`)).toMatchObject({ params: { id: 'x'.repeat(128) } });
  });
});
