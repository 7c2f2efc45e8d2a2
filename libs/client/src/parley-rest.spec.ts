import { ParleyApiError } from './errors';
import { ParleyRest } from './parley-rest';

interface Call {
  url: string;
  init: RequestInit;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

function fakeFetch(answers: Response[]) {
  const calls: Call[] = [];
  const impl = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const next = answers.shift();
    if (!next) throw new Error('unexpected request');
    return next;
  }) as unknown as typeof fetch;
  return { calls, impl };
}

describe('ParleyRest', () => {
  it('sends the bearer token and JSON body, and reads the answer', async () => {
    const { calls, impl } = fakeFetch([json(201, { id: 'c1', type: 'group' })]);
    const rest = new ParleyRest({ baseUrl: 'http://h:1/', getAccessToken: () => 'tok', fetchImpl: impl });
    await expect(rest.createConversation({ type: 'group', title: 'T', member_ids: [] })).resolves.toEqual({
      conversation: { id: 'c1', type: 'group' },
      created: true,
    });
    expect(calls[0].url).toBe('http://h:1/v1/conversations');
    expect(calls[0].init.method).toBe('POST');
    expect(calls[0].init.headers).toMatchObject({ authorization: 'Bearer tok', 'content-type': 'application/json' });
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ type: 'group', title: 'T', member_ids: [] });
  });

  it('moderation (issue 13.4): each call its route and body; a refusal carries its code and retry_after', async () => {
    const member = { user_id: 'u/2', role: 'member', rank: 'member', joined_at: '2026-12-05T00:00:00.000Z', muted_until: null };
    const { calls, impl } = fakeFetch([
      json(200, { member }), json(204, undefined), json(201, { ban: { user_id: 'u/2' } }), json(200, { report: { id: '7' } }),
      json(200, { entries: [], next_cursor: null }), json(429, { error: { code: 'SLOW_MODE', message: 'slow mode', retry_after: 12 } }, { 'retry-after': '12' }),
    ]);
    const rest = new ParleyRest({ baseUrl: 'http://h:1', getAccessToken: () => 'tok', fetchImpl: impl });
    await expect(rest.mute('c 1', 'u/2', 60)).resolves.toEqual(member);
    await rest.kick('c 1', 'u/2');
    await expect(rest.ban('c 1', 'u/2', 'spam')).resolves.toEqual({ ban: { user_id: 'u/2' }, created: true });
    await expect(rest.resolveReport('c 1', '7', 'dismissed')).resolves.toEqual({ id: '7' });
    await expect(rest.auditLog('c 1', { limit: 5, cursor: '42' })).resolves.toEqual({ entries: [], next_cursor: null });
    const refused = await rest.sendMessage('c 1', 'm1', 'too soon').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ParleyApiError);
    expect({ code: (refused as ParleyApiError).code, retry: (refused as ParleyApiError).retryAfter }).toEqual({ code: 'SLOW_MODE', retry: 12 });
    expect(calls.slice(0, 5).map((c) => [c.url, c.init.method, c.init.body === undefined ? null : JSON.parse(String(c.init.body))])).toEqual([
      ['http://h:1/v1/conversations/c%201/members/u%2F2/mute', 'POST', { duration_seconds: 60 }],
      ['http://h:1/v1/conversations/c%201/members/u%2F2/kick', 'POST', null],
      ['http://h:1/v1/conversations/c%201/bans', 'POST', { user_id: 'u/2', reason: 'spam' }],
      ['http://h:1/v1/conversations/c%201/reports/7/resolve', 'POST', { resolution: 'dismissed' }],
      ['http://h:1/v1/conversations/c%201/audit?limit=5&cursor=42', 'GET', null],
    ]);
  });

  it('requests and verifies a one-time code without a bearer token', async () => {
    const auth = { user: { id: 'u1', username: 'u-0123456789abcdef', display_name: 'u-0123456789abcdef', created_at: '2026-12-04T00:00:00.000Z' }, access_token: 'a', refresh_token: 'r', expires_in: 900, new_user: true };
    const { calls, impl } = fakeFetch([json(202, { expires_in: 300 }), json(200, auth)]);
    const rest = new ParleyRest({ baseUrl: 'http://h:1', getAccessToken: () => 'tok', fetchImpl: impl });
    await expect(rest.requestCode({ channel: 'sms', destination: '+447700900123' })).resolves.toEqual({ expires_in: 300 });
    await expect(rest.verifyCode({ channel: 'sms', destination: '+447700900123', code: '012345' })).resolves.toEqual(auth);
    expect(calls.map((c) => [c.url, c.init.method, JSON.parse(String(c.init.body))])).toEqual([
      ['http://h:1/v1/auth/code/request', 'POST', { channel: 'sms', destination: '+447700900123' }],
      ['http://h:1/v1/auth/code/verify', 'POST', { channel: 'sms', destination: '+447700900123', code: '012345' }],
    ]);
    expect(calls.every((c) => !('authorization' in (c.init.headers as Record<string, string>)))).toBe(true);
  });

  it('puts query parameters on history and leaves out the unset ones', async () => {
    const { calls, impl } = fakeFetch([json(200, { messages: [], has_more: false })]);
    const rest = new ParleyRest({ baseUrl: 'http://h:1', fetchImpl: impl });
    await rest.history('c/1', { after_seq: 5, limit: 10 });
    expect(calls[0].url).toBe('http://h:1/v1/conversations/c%2F1/messages?after_seq=5&limit=10');
  });

  it('searches with q encoded and the unset options left out (issue 13.3)', async () => {
    const { calls, impl } = fakeFetch([json(200, { messages: [], next_cursor: 'n' }), json(200, { messages: [], next_cursor: null })]);
    const rest = new ParleyRest({ baseUrl: 'http://h:1', fetchImpl: impl });
    expect(await rest.searchMessages('hello world & more')).toEqual({ messages: [], next_cursor: 'n' });
    await rest.searchMessages('hi', { conversation_id: 'c/1', limit: 5, cursor: 'n' });
    expect(calls.map((c) => [c.url, c.init.method])).toEqual([
      ['http://h:1/v1/search/messages?q=hello+world+%26+more', 'GET'],
      ['http://h:1/v1/search/messages?q=hi&conversation_id=c%2F1&limit=5&cursor=n', 'GET'],
    ]);
  });

  it('throws ParleyApiError with the contract code and Retry-After', async () => {
    const { impl } = fakeFetch([json(429, { error: { code: 'RATE_LIMITED', message: 'slow down' } }, { 'retry-after': '3' })]);
    const rest = new ParleyRest({ baseUrl: 'http://h:1', fetchImpl: impl });
    const error = await rest.me().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParleyApiError);
    expect(error).toMatchObject({ status: 429, code: 'RATE_LIMITED', message: 'slow down', retryAfter: 3 });
  });

  it('reports a non-JSON error answer by its status', async () => {
    const { impl } = fakeFetch([new Response('Bad Gateway', { status: 502 })]);
    const rest = new ParleyRest({ baseUrl: 'http://h:1', fetchImpl: impl });
    await expect(rest.me()).rejects.toMatchObject({ status: 502, code: 'HTTP_502' });
  });

  it('retries once after a 401 when onUnauthorized refreshed the token', async () => {
    let token = 'old';
    const { calls, impl } = fakeFetch([json(401, { error: { code: 'UNAUTHENTICATED', message: 'expired' } }), json(200, { id: 'u1' })]);
    const rest = new ParleyRest({
      baseUrl: 'http://h:1',
      fetchImpl: impl,
      getAccessToken: () => token,
      onUnauthorized: async () => {
        token = 'new';
        return true;
      },
    });
    await expect(rest.me()).resolves.toEqual({ id: 'u1' });
    expect(calls.map((c) => (c.init.headers as Record<string, string>).authorization)).toEqual(['Bearer old', 'Bearer new']);
  });

  it('answers null for an unknown username and 204s as undefined', async () => {
    const { calls, impl } = fakeFetch([json(404, { error: { code: 'NOT_FOUND', message: 'no such user' } }), new Response(null, { status: 204 })]);
    const rest = new ParleyRest({ baseUrl: 'http://h:1', fetchImpl: impl });
    await expect(rest.findUserByUsername('Bob')).resolves.toBeNull();
    expect(calls[0].url).toBe('http://h:1/v1/users?username=Bob');
    await expect(rest.markRead('c1', 3)).resolves.toBeUndefined();
  });

  it('turns a network failure into NETWORK_ERROR', async () => {
    const impl = (async () => {
      throw new TypeError('fetch failed');
    }) as unknown as typeof fetch;
    const rest = new ParleyRest({ baseUrl: 'http://h:1', fetchImpl: impl });
    await expect(rest.login({ username: 'a', password: 'b' })).rejects.toMatchObject({ status: 0, code: 'NETWORK_ERROR' });
  });
});
