import { status, type ServiceError } from '@grpc/grpc-js';
import type { PresenceApi, PresenceView } from '@parley/ports';
import { makeTestCa, removeTestCa, type TestCa } from '../../adapters/src/testing/tls-servers';
import { startGrpcServer, type RunningGrpcServer } from './grpc-server';
import type { GrpcTlsOptions } from './grpc-tls';
import { GrpcPresenceClient } from './presence.client';
import { servePresence } from './presence.server';
import { expectDomainError, rejectionOf } from './__tests__/rpc-harness';

/**
 * gRPC between the services over TLS (PARLEY_GRPC_TLS), against real grpc-js servers on loopback
 * with certificates from a CA made for this run by openssl: a TLS call works, a plaintext client
 * or one trusting another CA is refused, and with mutual TLS a client without a certificate of
 * the CA is refused too.
 */
const view: PresenceView = { user_id: 'u-1', status: 'online', last_seen_at: null };
const presence: PresenceApi = {
  connected: () => Promise.resolve(),
  disconnected: () => Promise.resolve(),
  gatewayHeartbeat: () => Promise.resolve(),
  get: () => Promise.resolve(view),
};
const codeOf = (error: unknown): status | undefined => ((error as Error).cause as ServiceError | undefined)?.code;

let ca: TestCa;
const servers: RunningGrpcServer[] = [];
const clients: GrpcPresenceClient[] = [];

beforeAll(() => {
  ca = makeTestCa();
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => removeTestCa(ca));

async function serve(tls: GrpcTlsOptions): Promise<string> {
  const server = await startGrpcServer('127.0.0.1:0', (s) => servePresence(s, presence), { shutdownGraceMs: 100, tls });
  servers.push(server);
  return `127.0.0.1:${server.port}`;
}
function client(address: string, tls?: GrpcTlsOptions): GrpcPresenceClient {
  const c = new GrpcPresenceClient(address, { deadlineMs: 3000, ...(tls ? { tls } : {}) });
  clients.push(c);
  return c;
}

describe('gRPC TLS between the services', () => {
  it('a client trusting the CA calls a TLS server; a plaintext client and one trusting another CA are refused', async () => {
    const address = await serve({ caFile: ca.caFile, certFile: ca.certFile, keyFile: ca.keyFile });
    const clientTls = { caFile: ca.caFile, certFile: ca.clientCertFile, keyFile: ca.clientKeyFile };
    await expect(client(address, clientTls).get('u-1')).resolves.toEqual(view);
    // The certificate names localhost and 127.0.0.1: the address's host is checked.
    await expect(client(address.replace('127.0.0.1', 'localhost'), clientTls).get('u-1')).resolves.toEqual(view);

    const plain = await rejectionOf(client(address).get('u-1'));
    expectDomainError(plain, 'UNAVAILABLE');
    expect(codeOf(plain)).toBe(status.UNAVAILABLE);
    const otherCa = await rejectionOf(client(address, { ...clientTls, caFile: ca.otherCaFile }).get('u-1'));
    expectDomainError(otherCa, 'UNAVAILABLE');
  });

  it('checks the certificate for PARLEY_GRPC_TLS_SERVER_NAME when set, and refuses a name it does not carry', async () => {
    const address = await serve({ caFile: ca.caFile, certFile: ca.certFile, keyFile: ca.keyFile });
    const tls = { caFile: ca.caFile, certFile: ca.clientCertFile, keyFile: ca.clientKeyFile };
    await expect(client(address, { ...tls, serverName: 'localhost' }).get('u-1')).resolves.toEqual(view);
    expectDomainError(await rejectionOf(client(address, { ...tls, serverName: 'parley-presence.example' }).get('u-1')), 'UNAVAILABLE');
  });

  it('with mutual TLS, refuses clients without a certificate of the CA', async () => {
    const address = await serve({ caFile: ca.caFile, certFile: ca.certFile, keyFile: ca.keyFile, mutual: true });
    await expect(client(address, { caFile: ca.caFile, certFile: ca.clientCertFile, keyFile: ca.clientKeyFile }).get('u-1')).resolves.toEqual(view);
    expectDomainError(await rejectionOf(client(address, { caFile: ca.caFile, certFile: ca.otherClientCertFile, keyFile: ca.otherClientKeyFile }).get('u-1')), 'UNAVAILABLE');
    expectDomainError(await rejectionOf(client(address).get('u-1')), 'UNAVAILABLE');
  });

  it('refuses to start mutual TLS without a CA, and names a certificate file it cannot read', async () => {
    await expect(startGrpcServer('127.0.0.1:0', () => undefined, { tls: { certFile: ca.certFile, keyFile: ca.keyFile, mutual: true } })).rejects.toThrow(/needs the CA/);
    await expect(startGrpcServer('127.0.0.1:0', () => undefined, { tls: { certFile: `${ca.dir}/missing.pem`, keyFile: ca.keyFile } })).rejects.toThrow(/missing\.pem: ENOENT/);
  });
});
