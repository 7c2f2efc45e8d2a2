import { status, type ServiceError } from '@grpc/grpc-js';
import type { PresenceApi, PresenceView } from '@parley/ports';
import { DomainError } from '@parley/domain';
import { RpcError } from './errors';
import { startGrpcServer, type RpcCallInfo } from './grpc-server';
import { GrpcPresenceClient } from './presence.client';
import { servePresence } from './presence.server';
import { closedAddress, expectDomainError, never, rejectionOf, ServerPool } from './__tests__/rpc-harness';

/** A presence service whose `get` answers what the test sets (or never, to model a hung peer). */
class ScriptedPresence implements PresenceApi {
  answer: () => Promise<PresenceView> = never;
  connected = () => Promise.resolve();
  disconnected = () => Promise.resolve();
  gatewayHeartbeat = () => Promise.resolve();
  get = () => this.answer();
}

const grpcCodeOf = (error: unknown): status | undefined => ((error as Error).cause as ServiceError | undefined)?.code;

describe('gRPC transport failures', () => {
  const servers = new ServerPool();
  const clients: GrpcPresenceClient[] = [];
  const clientOf = (address: string, options: ConstructorParameters<typeof GrpcPresenceClient>[1] = {}) => {
    const client = new GrpcPresenceClient(address, options);
    clients.push(client);
    return client;
  };
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await servers.closeAll();
  });

  it('a call to a hung service fails at its deadline with UNAVAILABLE', async () => {
    const impl = new ScriptedPresence();
    const client = clientOf(await servers.start((server) => servePresence(server, impl), 50), { deadlineMs: 200 });
    const error = await rejectionOf(client.get('u-1'));
    expectDomainError(error, 'UNAVAILABLE', 'Presence service unavailable');
    expect(grpcCodeOf(error)).toBe(status.DEADLINE_EXCEEDED);
  });

  it('a call to a port nobody listens on fails with UNAVAILABLE without waiting for its deadline', async () => {
    const client = clientOf(await closedAddress(), { deadlineMs: 60_000 });
    const error = await rejectionOf(client.gatewayHeartbeat('gw'));
    expectDomainError(error, 'UNAVAILABLE', 'Presence service unavailable');
    expect(grpcCodeOf(error)).toBe(status.UNAVAILABLE);
  });

  it('a response the client cannot map is an RpcError, not a domain error', async () => {
    const impl = new ScriptedPresence();
    impl.answer = () => Promise.resolve({ user_id: 'u-1', status: 'away' as PresenceView['status'], last_seen_at: null });
    const error = await rejectionOf(clientOf(await servers.start((server) => servePresence(server, impl))).get('u-1'));
    expect(error).toBeInstanceOf(RpcError);
    expect(error).not.toBeInstanceOf(DomainError);
    expect((error as RpcError).message).toBe('Presence.Get sent a bad response: status must be one of online, offline');
  });

  it('sends a well-formed traceparent to the server and leaves a malformed one out', async () => {
    const seen: RpcCallInfo[] = [];
    const impl = new ScriptedPresence();
    const address = await servers.start((server) =>
      servePresence(server, impl, {
        aroundCall: (call, run) => {
          seen.push(call);
          return run();
        },
      }),
    );
    let traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const client = clientOf(address, { traceparent: () => traceparent });
    await client.gatewayHeartbeat('gw');
    traceparent = 'not\na traceparent';
    await client.gatewayHeartbeat('gw');
    expect(seen).toEqual([
      { service: 'Presence', method: 'GatewayHeartbeat', trace: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' } },
      { service: 'Presence', method: 'GatewayHeartbeat', trace: null },
    ]);
  });

  it('a closed client fails its calls with UNAVAILABLE', async () => {
    const client = clientOf(await servers.start((server) => servePresence(server, new ScriptedPresence())));
    await client.gatewayHeartbeat('gw');
    client.close();
    expectDomainError(await rejectionOf(client.gatewayHeartbeat('gw')), 'UNAVAILABLE', 'Presence client closed');
  });

  it('closing a server cuts calls still running after the grace period', async () => {
    const running = await startGrpcServer('127.0.0.1:0', (server) => servePresence(server, new ScriptedPresence()), { shutdownGraceMs: 50 });
    const client = clientOf(`127.0.0.1:${running.port}`);
    const call = rejectionOf(client.get('u-1'));
    await client.gatewayHeartbeat('gw');
    await running.close();
    expectDomainError(await call, 'UNAVAILABLE');
    await expect(running.close()).resolves.toBeUndefined();
  });

  it('starting a server on a port already bound rejects', async () => {
    const first = await startGrpcServer('127.0.0.1:0', () => undefined);
    // grpc-js logs the failed bind itself; keep the test output clean.
    const consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await expect(startGrpcServer(`127.0.0.1:${first.port}`, () => undefined)).rejects.toThrow();
    } finally {
      consoleError.mockRestore();
      await first.close();
    }
  });

  it('a client deadline must be positive', () => {
    expect(() => new GrpcPresenceClient('127.0.0.1:1', { deadlineMs: 0 })).toThrow(RangeError);
  });
});
