import { status } from '@grpc/grpc-js';
import { conflict, unauthenticated, type User } from '@parley/domain';
import type { AuthApi, AuthResult, CodeRequest, CodeRequestResult, CodeVerification, IdentityView, JsonWebKeySet, UserDirectory } from '@parley/ports';
import { GrpcAuthClient } from './auth.client';
import { serveAuth } from './auth.server';
import { INTERNAL_DETAILS, RpcError } from './errors';
import { expectDomainError, rejectionOf, ServerPool } from './__tests__/rpc-harness';

const alice: User = { id: 'u-alice', username: 'alice', display_name: 'Alice Ünicode', created_at: '2025-01-02T03:04:05.678Z' };
const result: AuthResult = { user: alice, access_token: 'access.jwt', refresh_token: 'refresh-1', expires_in: 900 };
const jwks: JsonWebKeySet = {
  keys: [
    { kty: 'OKP', crv: 'Ed25519', x: 'abc', kid: 'k1', use: 'sig', alg: 'EdDSA' },
    { kty: 'RSA', n: 'xyz', e: 'AQAB', kid: 'k2', key_ops: ['verify'], exp: 1735689600, nested: { a: [1, null, true] } },
  ],
};

/** Records what reached the service and answers from fixed data. */
class FakeAuth implements AuthApi, UserDirectory {
  calls: unknown[][] = [];
  failWith: Error | null = null;
  private answer<T>(value: T, ...call: unknown[]): Promise<T> {
    this.calls.push(call);
    return this.failWith ? Promise.reject(this.failWith) : Promise.resolve(value);
  }
  register(input: { username: string; password: string; display_name?: string }) {
    return this.answer(result, 'register', input);
  }
  login(input: { username: string; password: string }) {
    return this.answer(result, 'login', input);
  }
  refresh(token: string) {
    return this.answer({ ...result, refresh_token: 'refresh-2' }, 'refresh', token);
  }
  logout(userId: string, sessionId: string) {
    return this.answer(undefined, 'logout', userId, sessionId);
  }
  sessionActive(sessionId: string) {
    return this.answer(sessionId === 'live', 'sessionActive', sessionId);
  }
  sessionsActive(sessionIds: readonly string[]) {
    return this.answer(sessionIds.map((id) => id === 'live'), 'sessionsActive', [...sessionIds]);
  }
  jwks() {
    return this.answer(jwks, 'jwks');
  }
  getUser(userId: string) {
    return this.answer(userId === alice.id ? alice : null, 'getUser', userId);
  }
  existingIds(ids: readonly string[]) {
    return this.answer(new Set(ids.filter((id) => id.startsWith('u-'))), 'existingIds', ids);
  }
  findByUsername(username: string) {
    return this.answer(username === 'ALICE' ? alice : null, 'findByUsername', username);
  }
  requestCode(input: CodeRequest): Promise<CodeRequestResult> {
    return this.answer(input.destination.startsWith('+1') ? { status: 'throttled', retry_after: 30 } : { status: 'sent', expires_in: 300 }, 'requestCode', input);
  }
  verifyCode(input: CodeVerification) {
    return this.answer({ ...result, new_user: true }, 'verifyCode', input);
  }
  addIdentity(userId: string, input: CodeVerification) {
    return this.answer({ identity: { channel: input.channel, destination: input.destination, verified_at: '2026-12-04T22:00:00.000Z' }, created: true }, 'addIdentity', userId, input);
  }
  listIdentities(userId: string): Promise<IdentityView[]> {
    return this.answer([{ channel: 'sms', destination: '+447700900123', verified_at: '2026-12-04T22:00:00.000Z' }], 'listIdentities', userId);
  }
}

describe('Auth over gRPC', () => {
  const servers = new ServerPool();
  const impl = new FakeAuth();
  const logged: Array<Record<string, unknown> | undefined> = [];
  let client: GrpcAuthClient;

  beforeAll(async () => {
    const logger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: (_msg: string, fields?: Record<string, unknown>) => logged.push(fields), child: jest.fn() };
    const address = await servers.start((server) => serveAuth(server, impl, { logger }));
    client = new GrpcAuthClient(address);
  });
  afterEach(() => {
    impl.calls = [];
    impl.failWith = null;
  });
  afterAll(async () => {
    client.close();
    await servers.closeAll();
  });

  it('register carries display_name when given and leaves it out when not', async () => {
    expect(await client.register({ username: 'alice', password: 'pw', display_name: '' })).toEqual(result);
    expect(await client.register({ username: 'bob', password: 'pw2' })).toEqual(result);
    expect(impl.calls).toEqual([
      ['register', { username: 'alice', password: 'pw', display_name: '' }],
      ['register', { username: 'bob', password: 'pw2' }],
    ]);
  });

  it('login, refresh, logout and sessionActive pass their arguments and answers through', async () => {
    expect(await client.login({ username: 'alice', password: 'secret' })).toEqual(result);
    expect(await client.refresh('refresh-1')).toEqual({ ...result, refresh_token: 'refresh-2' });
    await expect(client.logout('u-alice', 's-1')).resolves.toBeUndefined();
    expect(await client.sessionActive('live')).toBe(true);
    expect(await client.sessionActive('revoked')).toBe(false);
    expect(await client.sessionsActive(['live', 'gone', 'live'])).toEqual([true, false, true]);
    expect(impl.calls).toEqual([
      ['login', { username: 'alice', password: 'secret' }],
      ['refresh', 'refresh-1'],
      ['logout', 'u-alice', 's-1'],
      ['sessionActive', 'live'],
      ['sessionActive', 'revoked'],
      ['sessionsActive', ['live', 'gone', 'live']],
    ]);
  });

  it('requestCode answers sent or throttled, and verifyCode the tokens with new_user', async () => {
    impl.calls = [];
    expect(await client.requestCode({ channel: 'sms', destination: '+447700900123' })).toEqual({ status: 'sent', expires_in: 300 });
    expect(await client.requestCode({ channel: 'email', destination: '+1-throttled' })).toEqual({ status: 'throttled', retry_after: 30 });
    expect(await client.verifyCode({ channel: 'email', destination: 'ada@example.test', code: '012345' })).toEqual({ ...result, new_user: true });
    expect(impl.calls).toEqual([
      ['requestCode', { channel: 'sms', destination: '+447700900123' }],
      ['requestCode', { channel: 'email', destination: '+1-throttled' }],
      ['verifyCode', { channel: 'email', destination: 'ada@example.test', code: '012345' }],
    ]);
  });

  it('addIdentity and listIdentities carry the user and the identities', async () => {
    impl.calls = [];
    const input = { channel: 'sms' as const, destination: '+447700900123', code: '012345' };
    expect(await client.addIdentity('u-alice', input)).toEqual({ identity: { channel: 'sms', destination: '+447700900123', verified_at: '2026-12-04T22:00:00.000Z' }, created: true });
    expect(await client.listIdentities('u-alice')).toEqual([{ channel: 'sms', destination: '+447700900123', verified_at: '2026-12-04T22:00:00.000Z' }]);
    expect(impl.calls).toEqual([['addIdentity', 'u-alice', input], ['listIdentities', 'u-alice']]);
  });

  it('jwks keeps every member of free-form keys', async () => {
    expect(await client.jwks()).toEqual(jwks);
  });

  it('getUser and findByUsername answer the user or null', async () => {
    expect(await client.getUser(alice.id)).toEqual(alice);
    expect(await client.getUser('u-nobody')).toBeNull();
    expect(await client.findByUsername('ALICE')).toEqual(alice);
    expect(await client.findByUsername('nobody')).toBeNull();
  });

  it('existingIds answers a Set, empty for an empty request', async () => {
    expect(await client.existingIds(['u-1', 'x-2', 'u-3'])).toEqual(new Set(['u-1', 'u-3']));
    expect(await client.existingIds([])).toEqual(new Set());
    expect(impl.calls).toEqual([
      ['existingIds', ['u-1', 'x-2', 'u-3']],
      ['existingIds', []],
    ]);
  });

  it('rethrows the service DomainError with its code and message', async () => {
    impl.failWith = conflict('username "älice" is taken');
    expectDomainError(await rejectionOf(client.register({ username: 'älice', password: 'pw' })), 'CONFLICT', 'username "älice" is taken');
    impl.failWith = unauthenticated('refresh token reused');
    expectDomainError(await rejectionOf(client.refresh('old')), 'UNAUTHENTICATED', 'refresh token reused');
  });

  it('turns any other service error into INTERNAL without its message, and logs it without the request', async () => {
    impl.failWith = new Error('db password is hunter2');
    const error = await rejectionOf(client.login({ username: 'alice', password: 'secret-pw' }));
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).grpcStatus).toBe(status.INTERNAL);
    expect((error as RpcError).message).not.toContain('hunter2');
    expect(((error as RpcError).cause as { details: string }).details).toBe(INTERNAL_DETAILS);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ service: 'Auth', method: 'Login', err: impl.failWith });
    expect(Object.keys(logged[0] ?? {}).sort()).toEqual(['err', 'method', 'service']);
  });
});
