import type { WireUser } from '../support/contract';
import { HistoryChecker } from '../support/history-checker';
import { rest, restOk } from '../support/rest';
import { e2eTest, useParley } from '../support/suite';
import { closeAll, login, makeWs, registerUser } from '../support/users';
import WebSocket from 'ws';
import type { TestSocket } from '../support/ws-client';

// Two gateways on the mesh: the revocation must reach a gateway that holds none of the user's sockets.
const parley = useParley({ env: { PARLEY_MESH_GATEWAYS: '2' } });

/**
 * A revoked session's upgrade: refused with 401 when the gateway already knows the session is dead,
 * or opened and closed with 4401 before any hello when it has to ask first. Either way, no hello.
 */
async function expectSessionRefused(wsUrl: string, token: string): Promise<void> {
  const ws = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${token}` }, handshakeTimeout: 10_000 });
  const outcome = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer to the upgrade within 10 s')), 10_000);
    const done = (v: string) => {
      clearTimeout(timer);
      resolve(v);
    };
    ws.on('message', (data: WebSocket.RawData) => done(`frame ${data.toString().slice(0, 80)}`));
    ws.once('close', (code: number) => done(`close ${code}`));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      done(`http ${res.statusCode}`);
    });
    ws.once('error', () => undefined);
  });
  ws.terminate();
  expect(['http 401', 'close 4401']).toContain(outcome);
}

async function expectStatus(baseUrl: string, method: string, path: string, token: string, status: number, json?: unknown): Promise<void> {
  const res = await rest(baseUrl, method, path, { token, ...(json === undefined ? {} : { json }) });
  expect({ method, path, baseUrl, status: res.status }).toEqual({ method, path, baseUrl, status });
}

describe('session liveness on every request (issue 8)', () => {
  const sockets: TestSocket[] = [];
  afterEach(() => closeAll(sockets.splice(0)));

  e2eTest('a logged-out session is refused on REST and WebSocket at every gateway, also after a restart; other sessions live on', async () => {
    const p = parley.current;
    const gateways = p.gatewayUrls();
    const last = gateways[gateways.length - 1];
    const checker = new HistoryChecker(p.baseUrl);
    const alice = await registerUser(p.baseUrl, 'liveness');
    const other = await login(p.baseUrl, alice.username, alice.password);

    // The doomed session is known alive at every gateway (REST), and has a socket on the last one.
    for (const g of gateways) expect(await restOk<WireUser>(g.baseUrl, 'GET', '/v1/me', 200, { token: alice.accessToken })).toMatchObject({ id: alice.user.id });
    const doomed = await makeWs(last.wsUrl, alice.accessToken, { checker, clientId: 'doomed' });
    const survivor = await makeWs(last.wsUrl, other.access_token, { checker, clientId: 'survivor' });
    sockets.push(doomed, survivor);

    await restOk(p.baseUrl, 'POST', '/v1/auth/logout', 204, { token: alice.accessToken });
    expect((await doomed.closed).code).toBe(4401);

    for (const g of gateways) {
      await expectStatus(g.baseUrl, 'GET', '/v1/me', alice.accessToken, 401);
      await expectStatus(g.baseUrl, 'POST', '/v1/conversations', alice.accessToken, 401, { type: 'group', title: 'after logout', member_ids: [] });
      await expectSessionRefused(g.wsUrl, alice.accessToken);
      await expectStatus(g.baseUrl, 'GET', '/v1/me', other.access_token, 200);
    }
    await survivor.ping();

    // Revocations are durable: a restarted Parley, with empty caches, still refuses the session.
    await closeAll(sockets.splice(0));
    await p.restart();
    for (const g of p.gatewayUrls()) {
      await expectStatus(g.baseUrl, 'GET', '/v1/me', alice.accessToken, 401);
      await expectStatus(g.baseUrl, 'POST', '/v1/conversations', alice.accessToken, 401, { type: 'group', title: 'after restart', member_ids: [] });
      await expectSessionRefused(g.wsUrl, alice.accessToken);
      await expectStatus(g.baseUrl, 'GET', '/v1/me', other.access_token, 200);
    }
    await checker.verify();
  });

  e2eTest('a token reconnecting after its socket closed is let in again (its verification remembered), but not once its session is logged out', async () => {
    const p = parley.current;
    const g = p.gatewayUrls()[0];
    const bob = await registerUser(p.baseUrl, 'reconnect');
    // Closed by the client, with a token still valid: the gateway remembers the verification.
    for (let i = 0; i < 3; i++) {
      const ws = await makeWs(g.wsUrl, bob.accessToken, { clientId: `bob-${i}` });
      await ws.ping();
      await ws.close();
    }
    // The same token, after logout: refused although its verification was remembered.
    await restOk(p.baseUrl, 'POST', '/v1/auth/logout', 204, { token: bob.accessToken });
    await expectSessionRefused(g.wsUrl, bob.accessToken);
    await expectStatus(g.baseUrl, 'GET', '/v1/me', bob.accessToken, 401);
  });
});
