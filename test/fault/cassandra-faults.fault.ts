/**
 * Cassandra's own faults under load (issue 8): a Cassandra of this file's own (OwnInfra: private
 * state directory, free ports; the shared one is never touched) paused (SIGSTOP 12 s, then SIGCONT)
 * and SIGKILLed then restarted (its commit log replayed), while two gateways' clients send. Each ends
 * with the history checker (test/support/fault-load.ts). A Cassandra start costs ~40-60 s, so this
 * file has its own and runs two scenarios only. Mesh target only.
 */
import { faultUnderLoad, readinessNow } from '../support/fault-load';
import { OwnInfra } from '../support/own-infra';
import { useParley } from '../support/suite';
import { sleep } from '../support/wait';

const env: Record<string, string> = { PARLEY_SEND_RATE_PER_SECOND: '1000', PARLEY_MESH_GATEWAYS: '2' };
let own: OwnInfra | null = null;
// Before useParley's own beforeAll (hooks run in order): Parley starts pointed at this Cassandra.
beforeAll(async () => {
  own = await OwnInfra.start(['cassandra']);
  Object.assign(env, own.env());
}, 300_000);
const parley = useParley({ env });
afterAll(async () => {
  await own?.stop();
}, 180_000);

const PAUSE_MS = 12_000;
/** The restart itself waits for Cassandra to answer CQL again, so the scenario gets more time. */
const KILL_SCENARIO_TIMEOUT_MS = 420_000;

function infra(): OwnInfra {
  if (!own) throw new Error('the own Cassandra did not start');
  return own;
}

describe('Cassandra faults under load', () => {
  test(`SIGSTOP cassandra for ${PAUSE_MS / 1000} s, then SIGCONT: history intact, recovery timed`, async () => {
    const p = parley.current;
    let during = '';
    const o = await faultUnderLoad(p, 'SIGSTOP cassandra', async () => {
      infra().signal('cassandra', 'SIGSTOP');
      try {
        await sleep(PAUSE_MS / 2);
        expect(infra().isStopped('cassandra')).toBe(true);
        during = await readinessNow(p);
        await sleep(PAUSE_MS / 2);
      } finally {
        infra().signal('cassandra', 'SIGCONT');
      }
    });
    process.stdout.write(`[cassandra] SIGSTOP ${PAUSE_MS / 1000} s: ${o.recoverySeconds.toFixed(1)} s to recover; /readyz during: ${during}; send→persisted p50 ${o.p50Ms} ms, p99 ${o.p99Ms} ms\n`);
  }, 180_000);

  test('SIGKILL cassandra, restarted: history intact, recovery timed', async () => {
    const p = parley.current;
    let during = '';
    let restartSeconds = 0;
    const o = await faultUnderLoad(p, 'SIGKILL cassandra', async () => {
      infra().signal('cassandra', 'SIGKILL');
      await sleep(2000);
      during = await readinessNow(p);
      const t0 = Date.now();
      await infra().restart('cassandra');
      restartSeconds = (Date.now() - t0) / 1000;
    });
    process.stdout.write(`[cassandra] SIGKILL, restart took ${restartSeconds.toFixed(0)} s: ${o.recoverySeconds.toFixed(1)} s to recover after it; /readyz during: ${during}; send→persisted p50 ${o.p50Ms} ms, p99 ${o.p99Ms} ms\n`);
  }, KILL_SCENARIO_TIMEOUT_MS);
});
