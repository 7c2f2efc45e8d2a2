/**
 * The fault matrix for Parley's own processes (issue 8): each service of the mesh is killed
 * (SIGKILL; the supervisor restarts it) and, separately, paused (SIGSTOP for longer than the
 * consumer session timeout, then SIGCONT), while clients on two gateways send. Every scenario ends
 * with the history checker and reports its recovery time (test/support/fault-load.ts). Mesh target
 * only; the data servers' faults are in data-server-faults.fault.ts and the other fault files.
 */
import { faultUnderLoad } from '../support/fault-load';
import { e2eTest, useParley } from '../support/suite';
import { eventually, sleep } from '../support/wait';

const parley = useParley({ env: { PARLEY_SEND_RATE_PER_SECOND: '1000', PARLEY_MESH_MESSAGING_REPLICAS: '2', PARLEY_MESH_GATEWAYS: '2' } });

const TARGETS = ['gateway-2', 'messaging-1', 'fanout', 'presence', 'notification', 'auth'] as const;
const FAULTS = ['SIGKILL', 'SIGSTOP'] as const;
/** Longer than the Kafka consumer session timeout, so a paused consumer's partitions move. */
const PAUSE_MS = 12_000;

const recoveries: string[] = [];
afterAll(() => {
  if (recoveries.length) process.stdout.write(`[fault matrix] recovery times:\n${recoveries.map((r) => `  ${r}`).join('\n')}\n`);
});

/*
 * SIGKILL gateway-2 found a defect (closing note of 2026-12-04): the gateway, restarted under its
 * old id, lost the persisted ack of a send in flight, because fanout's gRPC channel to it was still
 * backing off when the client's resend (on reconnect) was acknowledged, and the SDK resent only on
 * reconnect. Fixed in the SDK: a send still unacknowledged after `resendAfterMs` is sent again on
 * the same socket (same client_msg_id, stored once), so a lost ack copy is asked for again.
 */

describe('fault matrix: every service killed and paused under load', () => {
  for (const target of TARGETS) {
    for (const fault of FAULTS) {
      e2eTest(`${fault} ${target} while two gateways' clients send: history intact, recovery timed`, () => scenario(target, fault));
    }
  }
});

async function scenario(target: (typeof TARGETS)[number], fault: (typeof FAULTS)[number]): Promise<void> {
  const p = parley.current;
  let duringPause = '';
  const outcome = await faultUnderLoad(p, `${fault} ${target}`, async ({ acked }) => {
    const pid = p.meshPids()[target];
    if (!pid) throw new Error(`${target} has no pid (${JSON.stringify(p.meshPids())})`);
    process.kill(pid, fault);
    if (fault !== 'SIGSTOP') return;
    const atStop = acked();
    try {
      await sleep(PAUSE_MS);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    duringPause = `; ${acked() - atStop} acknowledged during the ${PAUSE_MS / 1000} s pause`;
  });
  // Recovery: from the kill, or from SIGCONT, until four more sends are acknowledged.
  recoveries.push(`${fault} ${target}: ${outcome.recoverySeconds.toFixed(1)} s until sends were acknowledged again${duringPause}`);
  // The next scenario starts with every process back (a killed one restarted by the supervisor).
  if (fault === 'SIGKILL') await eventually(`${target} restarted`, async () => expect(p.meshPids()[target]).toEqual(expect.any(Number)), 60_000);
}
