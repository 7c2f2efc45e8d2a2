/**
 * The link between the mesh and Kafka slowed and cut (issue 8): a single-broker Kafka of this
 * file's own that advertises a test TCP proxy in front of it, so every Kafka connection of every
 * process (the gateways' producers and all consumers) goes through the proxy. Added latency for a
 * while, then every connection cut twice, each under the fault load and checks
 * (test/support/fault-load.ts): nothing acknowledged lost, no duplicate, no gap, p99 reported.
 * Mesh target only; the shared Kafka is never touched.
 */
import { cutTwiceUnderLoad, latencyUnderLoad, type FaultOutcome } from '../support/fault-load';
import { OwnInfra } from '../support/own-infra';
import { TcpProxy } from '../support/tcp-proxy';
import { e2eTest, useParley } from '../support/suite';

const env: Record<string, string> = { PARLEY_SEND_RATE_PER_SECOND: '1000', PARLEY_MESH_GATEWAYS: '2' };
let own: OwnInfra | null = null;
let link: TcpProxy | null = null;
// Before useParley's own beforeAll (hooks run in order): Parley starts pointed at the proxy.
beforeAll(async () => {
  own = await OwnInfra.start(['kafka'], {
    kafkaVia: async (kafkaPort) => {
      link = await TcpProxy.start('127.0.0.1', kafkaPort);
      return link.port;
    },
  });
  Object.assign(env, own.env());
}, 300_000);
const parley = useParley({ env });
afterAll(async () => {
  await own?.stop();
  await link?.stop();
}, 180_000);

const LATENCY_MS = 40;
const LATENCY_FOR_MS = 10_000;

function proxy(): TcpProxy {
  if (!link) throw new Error('the Kafka proxy did not start');
  return link;
}

function say(label: string, o: FaultOutcome, during: string): void {
  process.stdout.write(`[kafka link] ${label}: ${o.recoverySeconds.toFixed(1)} s to recover; /readyz during: ${during}; send→persisted p50 ${o.p50Ms} ms, p99 ${o.p99Ms} ms, max ${o.maxMs} ms\n`);
}

describe('the link to Kafka slowed and cut under load', () => {
  e2eTest(`${LATENCY_MS} ms added each way between the mesh and Kafka for ${LATENCY_FOR_MS / 1000} s: history intact, p99 degrades`, async () => {
    expect(proxy().connections()).toBeGreaterThan(0); // the mesh really talks to Kafka through it
    const { outcome, during } = await latencyUnderLoad(parley.current, 'kafka latency', proxy(), LATENCY_MS, LATENCY_FOR_MS);
    say(`+${LATENCY_MS} ms each way`, outcome, during);
  });

  e2eTest('every connection between the mesh and Kafka cut twice: history intact, recovery timed', async () => {
    const { outcome, during } = await cutTwiceUnderLoad(parley.current, 'kafka cut', proxy());
    say('connections cut twice, 2 s apart', outcome, during);
  });
});
