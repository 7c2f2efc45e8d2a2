/**
 * A dependency that is down gives clear errors and a failing /readyz, never a hang or a crash:
 * Kafka is stopped under a running mesh; the gateway reports not ready, answers sends with errors
 * instead of hanging, recovers when Kafka returns, and nothing acknowledged is lost. Mesh target only.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { HistoryChecker } from '../support/history-checker';
import { REPO_ROOT } from '../support/parley-process';
import { e2eTest, useParley } from '../support/suite';
import { closeAll, createGroup, makeWs, registerUser } from '../support/users';
import { eventually } from '../support/wait';
import type { TestSocket } from '../support/ws-client';

const parley = useParley({ env: { PARLEY_SEND_RATE_PER_SECOND: '1000' } });
const infra = (...args: string[]) => execFileSync(join(REPO_ROOT, 'infra', 'bin', 'parley-infra'), args, { stdio: 'pipe', timeout: 180_000 });

async function readyz(baseUrl: string): Promise<{ status: number; body: { failing?: string[] } }> {
  const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: (await res.json()) as { failing?: string[] } };
}

describe('Kafka outage', () => {
  const sockets: TestSocket[] = [];
  afterAll(() => closeAll(sockets.splice(0)));

  e2eTest('the gateway is not ready while Kafka is stopped, recovers when it returns, and loses nothing acknowledged', async () => {
    const { baseUrl, wsUrl } = parley.current;
    const checker = new HistoryChecker(baseUrl);
    const alice = await registerUser(baseUrl, 'outage-a');
    const bob = await registerUser(baseUrl, 'outage-b');
    const group = await createGroup(baseUrl, alice.accessToken, 'outage', [bob.user.id]);
    checker.addReader(group.id, alice.accessToken);
    const aliceWs = await makeWs(wsUrl, alice.accessToken, { checker, clientId: 'alice' });
    const bobWs = await makeWs(wsUrl, bob.accessToken, { checker, clientId: 'bob' });
    sockets.push(aliceWs, bobWs);
    for (let i = 0; i < 5; i++) await aliceWs.sendMessage(group.id, `before ${i}`);
    expect((await readyz(baseUrl)).status).toBe(200);

    infra('stop', 'kafka');
    try {
      const down = await eventually('readyz reports kafka down', async () => {
        const r = await readyz(baseUrl);
        expect(r.status).toBe(503);
        return r;
      }, 60_000);
      expect(down.body.failing).toContain('kafka');
      // A send now is refused quickly with an error frame, not left hanging and not acknowledged.
      aliceWs.send({ type: 'send', conversation_id: group.id, client_msg_id: 'during-outage', body: { text: 'during' } });
      const error = await aliceWs.waitFor((f) => f.type === 'error' && (f as { client_msg_id?: string }).client_msg_id === 'during-outage', 'an error for the send', 30_000);
      expect(error).toMatchObject({ code: 'UNAVAILABLE' });
      // The process is alive and serving: health answers.
      expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    } finally {
      infra('start', 'kafka');
    }
    await eventually('readyz recovers', async () => expect((await readyz(baseUrl)).status).toBe(200), 120_000);
    const after = await eventually('sends work again', () => aliceWs.sendMessage(group.id, 'after the outage', undefined, 10_000), 120_000);
    expect(after.seq).toBeGreaterThanOrEqual(6);
    await bobWs.waitForSeq(group.id, after.seq, 60_000);
    await checker.verify();
  });
});
