/**
 * A consumer-group rebalance under load (issue 8): with two messaging replicas sharing the
 * sequencer's consumer group, messaging-1 gets SIGTERM mid-stream. It leaves the group cleanly (its
 * partitions move to messaging-2: one rebalance), the supervisor starts a new instance, which joins
 * (a second rebalance, partitions split again). The test watches both rebalances in the group's
 * membership (Kafka's own view) while two gateways' clients send, and ends with the history
 * checker (test/support/fault-load.ts). Mesh target only.
 */
import { Kafka, logLevel } from 'kafkajs';
import { faultUnderLoad } from '../support/fault-load';
import { e2eTest, useParley } from '../support/suite';
import { eventually } from '../support/wait';

const parley = useParley({ env: { PARLEY_SEND_RATE_PER_SECOND: '1000', PARLEY_MESH_MESSAGING_REPLICAS: '2', PARLEY_MESH_GATEWAYS: '2' } });
const GROUP = `${process.env.PARLEY_KAFKA_NAME_PREFIX ?? ''}parley-messaging-sequencer`;
/** Slower than the service matrix's load, so both rebalances happen while clients still send. */
const PAUSE_BETWEEN_SENDS_MS = 400;

describe('consumer rebalance under load', () => {
  e2eTest('a sequencer consumer leaves (SIGTERM) and a new one joins mid-stream: history intact, both rebalances seen', async () => {
    const p = parley.current;
    const admin = new Kafka({ clientId: 'fault-test', brokers: (process.env.PARLEY_KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const stable = async (members: number) => {
      const { groups } = await admin.describeGroups([GROUP]);
      expect({ state: groups[0]?.state, members: groups[0]?.members.length }).toEqual({ state: 'Stable', members });
    };
    const timeline: string[] = [];
    try {
      await eventually('both replicas in the sequencer group', () => stable(2), 60_000);
      const o = await faultUnderLoad(p, 'rebalance', async ({ acked }) => {
        const pid = p.meshPids()['messaging-1'];
        if (!pid) throw new Error('messaging-1 has no pid');
        const t0 = Date.now();
        const at = acked();
        process.kill(pid, 'SIGTERM');
        await eventually('messaging-1 left: one member', () => stable(1), 60_000);
        timeline.push(`left after ${((Date.now() - t0) / 1000).toFixed(1)} s (${acked() - at} acked meanwhile)`);
        await eventually('a new messaging-1 joined: two members again', () => stable(2), 90_000);
        timeline.push(`joined after ${((Date.now() - t0) / 1000).toFixed(1)} s (${acked() - at} acked since SIGTERM)`);
      }, PAUSE_BETWEEN_SENDS_MS);
      process.stdout.write(`[rebalance] ${timeline.join('; ')}; ${o.recoverySeconds.toFixed(1)} s to recover after the join; send→persisted p50 ${o.p50Ms} ms, p99 ${o.p99Ms} ms, max ${o.maxMs} ms\n`);
    } finally {
      await admin.disconnect();
    }
  });
});
