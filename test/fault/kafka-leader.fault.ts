/**
 * The Kafka partition leader killed under load, in the three-broker mode (issue 8): a Kafka of this
 * file's own (three combined broker/controller nodes, topics replicated three times with two in
 * sync; the shared Kafka is never touched). The node leading the ingress partition of the group's
 * conversation is SIGKILLed; the scenario times the failover (until sends are acknowledged again
 * with that node still down), restarts the node, and ends with the history checker (nothing
 * acknowledged lost, no duplicate, no gap). Mesh target only; ~40-60 s of Kafka start.
 */
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { Topics } from '@parley/ports';
import { faultUnderLoad, readinessNow } from '../support/fault-load';
import { OwnInfra, type OwnServer } from '../support/own-infra';
import { e2eTest, useParley } from '../support/suite';
import { eventually } from '../support/wait';

const env: Record<string, string> = { PARLEY_SEND_RATE_PER_SECOND: '1000', PARLEY_MESH_GATEWAYS: '2' };
let own: OwnInfra | null = null;
// Before useParley's own beforeAll (hooks run in order): Parley starts pointed at this Kafka.
beforeAll(async () => {
  own = await OwnInfra.start(['kafka3']);
  Object.assign(env, own.env());
}, 300_000);
const parley = useParley({ env });
afterAll(async () => {
  await own?.stop();
}, 180_000);

describe('Kafka partition leader killed (three brokers)', () => {
  e2eTest('SIGKILL of the leader of the conversation\'s ingress partition, restarted after the failover: history intact', async () => {
    if (!own) throw new Error('the own Kafka did not start');
    const infra = own;
    const p = parley.current;
    const report: string[] = [];
    const o = await faultUnderLoad(p, 'kafka leader', async ({ acked, conversationId }) => {
      const leader = await ingressLeader(infra.kafkaBrokers(), conversationId);
      const node = `kafka3-${leader}` as OwnServer;
      infra.signal(node, 'SIGKILL');
      const killedAt = Date.now();
      const atKill = acked();
      await eventually('sends acknowledged again with the leader down', async () => expect(acked()).toBeGreaterThanOrEqual(Math.min(48, atKill + 4)), 120_000);
      report.push(`failover ${((Date.now() - killedAt) / 1000).toFixed(1)} s (node ${leader} down); /readyz then: ${await readinessNow(p)}`);
      await infra.restart(node);
    });
    process.stdout.write(`[kafka leader] ${report.join('; ')}; after the restart ${o.recoverySeconds.toFixed(1)} s to recover; send→persisted p50 ${o.p50Ms} ms, p99 ${o.p99Ms} ms, max ${o.maxMs} ms\n`);
  });
});

/** The node id leading the ingress partition that holds `conversationId` (the producer's partitioner). */
async function ingressLeader(brokers: string[], conversationId: string): Promise<number> {
  const topic = `${process.env.PARLEY_KAFKA_NAME_PREFIX ?? ''}${Topics.ingress}`;
  const admin = new Kafka({ clientId: 'fault-test', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitionMetadata = topics[0].partitions;
    const partition = Partitioners.DefaultPartitioner()({ topic, partitionMetadata, message: { key: conversationId, value: null } });
    const leader = partitionMetadata.find((m) => m.partitionId === partition)?.leader;
    if (leader === undefined || leader < 1 || leader > 3) throw new Error(`no leader for ${topic}[${partition}]`);
    return leader;
  } finally {
    await admin.disconnect();
  }
}
