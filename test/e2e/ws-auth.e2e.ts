import { generateKeyPair, SignJWT } from 'jose';
import { HistoryChecker } from '../support/history-checker';
import { startParley, type ParleyProcess } from '../support/parley-process';
import { rest } from '../support/rest';
import { e2eTest, useParley } from '../support/suite';
import { decodeJwt, makeWs, registerUser } from '../support/users';
import { eventually, sleep } from '../support/wait';
import { attemptUpgrade } from '../support/ws-client';

const parley = useParley();
/** The second Parley of the expiry test (access tokens live 1 s there). */
let shortLived: ParleyProcess | null = null;

/** Upgrades with a bearer header and with the query parameter: both must be refused with 401. */
async function expectRefused(wsUrl: string, token: string | null, label: string): Promise<void> {
  const viaHeader = await attemptUpgrade(wsUrl, token === null ? {} : { authorization: `Bearer ${token}` });
  expect({ label, via: 'header', status: viaHeader.status, opened: viaHeader.opened }).toEqual({ label, via: 'header', status: 401, opened: false });
  if (token === null) return;
  const viaQuery = await attemptUpgrade(`${wsUrl}?access_token=${encodeURIComponent(token)}`, {});
  expect({ label, via: 'query', status: viaQuery.status, opened: viaQuery.opened }).toEqual({ label, via: 'query', status: 401, opened: false });
}

describe('WebSocket upgrade authentication', () => {
  e2eTest('a valid token opens a socket; tampered, foreign, unsigned, garbage and missing tokens get 401', async () => {
    const { baseUrl, wsUrl } = parley.current;
    const checker = new HistoryChecker(baseUrl);
    const alice = await registerUser(baseUrl, 'alice');
    const bob = await registerUser(baseUrl, 'bob');

    // The control: the same token by header and by query parameter opens a socket.
    for (const via of ['header', 'query'] as const) {
      const ok = await makeWs(wsUrl, alice.accessToken, { checker, via });
      expect(ok.hello.user_id).toBe(alice.user.id);
      await ok.close();
    }

    const { header, payload, parts } = decodeJwt(alice.accessToken);
    expect(typeof header.kid).toBe('string');
    expect(typeof header.alg).toBe('string');
    expect(header.alg).not.toMatch(/^HS/);

    // Tampered: Bob's id in Alice's signed token.
    const forgedPayload = Buffer.from(JSON.stringify({ ...payload, sub: bob.user.id })).toString('base64url');
    await expectRefused(wsUrl, `${parts[0]}.${forgedPayload}.${parts[2]}`, 'tampered payload');
    // A flipped signature byte.
    const sig = Buffer.from(parts[2], 'base64url');
    sig[sig.length - 1] ^= 0x01;
    await expectRefused(wsUrl, `${parts[0]}.${parts[1]}.${sig.toString('base64url')}`, 'tampered signature');

    // Signed by another key with the same alg, kid and claims.
    const alg = String(header.alg);
    const { privateKey } = await generateKeyPair(alg, { extractable: true });
    const foreign = await new SignJWT(payload).setProtectedHeader({ alg, kid: String(header.kid), typ: 'JWT' }).sign(privateKey);
    await expectRefused(wsUrl, foreign, 'signed by another key');

    // alg "none", no signature.
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${parts[1]}.`;
    await expectRefused(wsUrl, none, 'alg none');

    await expectRefused(wsUrl, 'not-a-jwt', 'garbage');
    await expectRefused(wsUrl, alice.refreshToken, 'refresh token used as access token');
    await expectRefused(wsUrl, null, 'no token');
    const emptyBearer = await attemptUpgrade(wsUrl, { authorization: 'Bearer ' });
    expect(emptyBearer).toMatchObject({ status: 401, opened: false });

    // REST agrees.
    expect((await rest(baseUrl, 'GET', '/v1/me', { token: foreign })).status).toBe(401);
    expect((await rest(baseUrl, 'GET', '/v1/me')).status).toBe(401);

    // The server is still fine for Alice.
    const after = await makeWs(wsUrl, alice.accessToken, { checker });
    await after.ping();
    await after.close();
    await checker.verify(alice.accessToken);
  });

  e2eTest('an expired token, and a token of another Parley, get 401', async () => {
    const { wsUrl } = parley.current;
    try {
      // A separate deployment with its own keys: a standalone Parley (every mesh of a test run
      // shares one Postgres, hence one signing key, as replicas of one deployment do).
      const server = await startParley({ target: 'standalone', env: { PARLEY_ACCESS_TOKEN_TTL_SECONDS: '1' } });
      shortLived = server;
      const checker = new HistoryChecker(server.baseUrl);
      const dave = await registerUser(server.baseUrl, 'dave');
      const { payload } = decodeJwt(dave.accessToken);
      expect(Number(payload.exp) - Number(payload.iat)).toBeLessThanOrEqual(1);

      // Another Parley has other keys: its valid token means nothing here.
      await expectRefused(wsUrl, dave.accessToken, 'token of another Parley');

      // Past its exp the token is refused. Verifiers allow some clock skew (a few seconds), so this
      // waits until the token is past exp, then gives the refusal at most 30 s of leeway.
      const untilExp = Number(payload.exp) * 1000 + 1_000 - Date.now();
      if (untilExp > 0) await sleep(untilExp);
      await eventually('the expired token is refused', () => expectRefused(server.wsUrl, dave.accessToken, 'expired'), 30_000);
      expect((await rest(server.baseUrl, 'GET', '/v1/me', { token: dave.accessToken })).status).toBe(401);

      // A fresh login on that server works at once (the refusal was about expiry).
      const fresh = await rest<{ access_token: string }>(server.baseUrl, 'POST', '/v1/auth/login', {
        json: { username: dave.username, password: dave.password },
      });
      expect(fresh.status).toBe(200);
      const ok = await makeWs(server.wsUrl, fresh.body.access_token, { checker });
      expect(ok.hello.user_id).toBe(dave.user.id);
      await ok.close();
      await checker.verify(fresh.body.access_token);
    } finally {
      await shortLived?.stop();
    }
  }, () => [parley.started(), shortLived].filter((p): p is ParleyProcess => p !== null));
});
