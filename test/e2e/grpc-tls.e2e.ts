import { GrpcAuthClient } from '@parley/rpc';
import type { WireConversation } from '../support/contract';
import { makeTestCa, removeTestCa, type TestCa } from '../../libs/adapters/src/testing/tls-servers';
import { restOk } from '../support/rest';
import { e2eTest, useParley } from '../support/suite';
import { closeAll, makeWs, registerUser } from '../support/users';
import { isPersistedAck, type TestSocket } from '../support/ws-client';

/**
 * The mesh with gRPC between its services over mutual TLS (PARLEY_GRPC_TLS*, one certificate for
 * every service, checked for the name "localhost" as the chart checks "<release>-grpc"): sign-up
 * (gateway → auth), a conversation (gateway → messaging → auth) and a chat (fanout → gateway
 * delivery) work; a plaintext gRPC client and one without a client certificate are refused by the
 * auth service. Standalone has no gRPC: the file runs on the mesh target only.
 */
const onMesh = (process.env.PARLEY_E2E_TARGET ?? 'standalone') === 'mesh' ? describe : describe.skip;

onMesh('gRPC between the services over mutual TLS', () => {
  let ca: TestCa;
  // Filled before useParley's beforeAll starts the mesh with it (hooks run in order).
  const env: Record<string, string> = {};
  beforeAll(() => {
    ca = makeTestCa();
    Object.assign(env, {
      PARLEY_GRPC_TLS: 'true',
      PARLEY_GRPC_TLS_CA_FILE: ca.caFile,
      PARLEY_GRPC_TLS_CERT_FILE: ca.certFile,
      PARLEY_GRPC_TLS_KEY_FILE: ca.keyFile,
      PARLEY_GRPC_TLS_CLIENT_AUTH: 'true',
      PARLEY_GRPC_TLS_SERVER_NAME: 'localhost',
    });
  });
  afterAll(() => ca && removeTestCa(ca));
  const parley = useParley({ env });

  const sockets: TestSocket[] = [];
  afterEach(() => closeAll(sockets.splice(0)));

  e2eTest('users sign up, open a conversation and chat through the mesh over TLS', async () => {
    const { baseUrl, wsUrl } = parley.current;
    const alice = await registerUser(baseUrl, 'alice');
    const bob = await registerUser(baseUrl, 'bob');
    const conv = await restOk<WireConversation>(baseUrl, 'POST', '/v1/conversations', 201, { token: alice.accessToken, json: { type: 'direct', member_ids: [bob.user.id] } });
    const aliceWs = await makeWs(wsUrl, alice.accessToken, { clientId: 'alice' });
    const bobWs = await makeWs(wsUrl, bob.accessToken, { clientId: 'bob' });
    sockets.push(aliceWs, bobWs);
    const id = aliceWs.sendFrameOnly(conv.id, 'over mutual TLS');
    await aliceWs.waitFor((f) => isPersistedAck(f) && f.client_msg_id === id, 'persisted ack');
    expect(await bobWs.waitForSeq(conv.id, 1)).toMatchObject({ body: { text: 'over mutual TLS' }, sender_id: alice.user.id });
  });

  e2eTest('the auth service refuses a plaintext client and a TLS client without a certificate', async () => {
    const authAdmin = parley.current.meshAdmin().auth;
    expect(authAdmin).toMatch(/^127\.0\.0\.1:\d+$/);
    // The supervisor's layout: auth's admin port is base+40, its gRPC port base+1 (apps/mesh).
    const address = `127.0.0.1:${Number(authAdmin!.split(':')[1]) - 39}`;
    const refused = async (client: GrpcAuthClient) => {
      try {
        return await client.sessionActive('no-such-session').then(
          () => 'answered',
          (e: { code?: string }) => e.code,
        );
      } finally {
        client.close();
      }
    };
    expect(await refused(new GrpcAuthClient(address, { deadlineMs: 3000 }))).toBe('UNAVAILABLE');
    expect(await refused(new GrpcAuthClient(address, { deadlineMs: 3000, tls: { caFile: ca.caFile, certFile: ca.otherClientCertFile, keyFile: ca.otherClientKeyFile, serverName: 'localhost' } }))).toBe('UNAVAILABLE');
    // The same call with the CA's client certificate is answered.
    expect(await refused(new GrpcAuthClient(address, { deadlineMs: 3000, tls: { caFile: ca.caFile, certFile: ca.clientCertFile, keyFile: ca.clientKeyFile, serverName: 'localhost' } }))).toBe('answered');
  });
});
