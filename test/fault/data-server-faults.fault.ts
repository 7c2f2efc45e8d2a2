/**
 * The data servers' faults (issue 8), under the same load and checks as the service matrix
 * (test/support/fault-load.ts: nothing acknowledged lost, no duplicate, no gap, recovery timed):
 * - Redis and Postgres of this file's own (OwnInfra: private state directory, free ports; the shared
 *   servers on the default ports are never touched), each SIGKILLed and restarted, and paused
 *   (SIGSTOP of the server and every process under it, then SIGCONT);
 * - the link from the mesh to Cassandra through a test TCP proxy: added latency, and every
 *   connection cut (twice, two seconds apart). The proxy is in front of the shared Cassandra, which
 *   itself is never stopped.
 * Each scenario reports its recovery, what the gateways' /readyz said during the fault, and the send
 * → persisted p50/p99. Mesh target only. Cassandra killed and paused: cassandra-faults.fault.ts;
 * the Kafka partition leader: kafka-leader.fault.ts; the Kafka link: kafka-link.fault.ts.
 */
import { cutTwiceUnderLoad, faultUnderLoad, latencyUnderLoad, readinessNow, type FaultOutcome } from '../support/fault-load';
import { OwnInfra, type OwnServer } from '../support/own-infra';
import { TcpProxy } from '../support/tcp-proxy';
import { e2eTest, useParley } from '../support/suite';
import { sleep } from '../support/wait';

const env: Record<string, string> = { PARLEY_SEND_RATE_PER_SECOND: '1000', PARLEY_MESH_GATEWAYS: '2' };
let own: OwnInfra | null = null;
let cassandra: TcpProxy | null = null;
// Before useParley's own beforeAll (hooks run in order): Parley starts pointed at these.
beforeAll(async () => {
  own = await OwnInfra.start(['redis', 'postgres']);
  const [host, port] = (process.env.PARLEY_CASSANDRA_CONTACT_POINTS ?? '127.0.0.1:9042').split(',')[0].split(':');
  cassandra = await TcpProxy.start(host, Number(port ?? 9042));
  Object.assign(env, own.env(), { PARLEY_CASSANDRA_CONTACT_POINTS: `127.0.0.1:${cassandra.port}` });
}, 120_000);
const parley = useParley({ env });
afterAll(async () => {
  await cassandra?.stop();
  await own?.stop();
}, 120_000);

/** As long as the service matrix's pause: longer than the Kafka consumer session timeout. */
const PAUSE_MS = 12_000;
const DOWN_MS = 3_000;
const LATENCY_MS = 40;
const LATENCY_FOR_MS = 10_000;

const report: string[] = [];
afterAll(() => {
  if (report.length) process.stdout.write(`[data-server faults]\n${report.map((r) => `  ${r}`).join('\n')}\n`);
});

function note(label: string, o: FaultOutcome, during: string): void {
  report.push(`${label}: ${o.recoverySeconds.toFixed(1)} s to recover; /readyz during the fault: ${during}; send→persisted p50 ${o.p50Ms} ms, p99 ${o.p99Ms} ms, max ${o.maxMs} ms`);
}

function infra(): OwnInfra {
  if (!own) throw new Error('the own data servers did not start');
  return own;
}

function proxy(): TcpProxy {
  if (!cassandra) throw new Error('the Cassandra proxy did not start');
  return cassandra;
}

describe('data-server faults under load', () => {
  for (const server of ['redis', 'postgres'] as const) {
    e2eTest(`SIGKILL ${server}, restarted ${DOWN_MS / 1000} s later: history intact, recovery timed`, () => killAndRestart(server));
    e2eTest(`SIGSTOP ${server} for ${PAUSE_MS / 1000} s, then SIGCONT: history intact, recovery timed`, () => pause(server));
  }

  e2eTest(`${LATENCY_MS} ms added each way between the mesh and Cassandra for ${LATENCY_FOR_MS / 1000} s: history intact, p99 degrades`, async () => {
    expect(proxy().connections()).toBeGreaterThan(0); // the mesh really talks to Cassandra through it
    const { outcome, during } = await latencyUnderLoad(parley.current, 'cassandra latency', proxy(), LATENCY_MS, LATENCY_FOR_MS);
    note(`Cassandra +${LATENCY_MS} ms each way`, outcome, during);
  });

  e2eTest('every connection between the mesh and Cassandra cut twice: history intact, recovery timed', async () => {
    const { outcome, during } = await cutTwiceUnderLoad(parley.current, 'cassandra cut', proxy());
    note('Cassandra connections cut twice, 2 s apart', outcome, during);
  });
});

async function killAndRestart(server: OwnServer): Promise<void> {
  const p = parley.current;
  let during = '';
  const o = await faultUnderLoad(p, `SIGKILL ${server}`, async () => {
    infra().signal(server, 'SIGKILL');
    await sleep(DOWN_MS);
    during = await readinessNow(p);
    await infra().restart(server);
  });
  note(`SIGKILL ${server} (down ${DOWN_MS / 1000} s, then restarted)`, o, during);
}

async function pause(server: OwnServer): Promise<void> {
  const p = parley.current;
  let during = '';
  const o = await faultUnderLoad(p, `SIGSTOP ${server}`, async () => {
    const frozen = infra().signal(server, 'SIGSTOP');
    try {
      expect(frozen.length).toBeGreaterThan(server === 'postgres' ? 1 : 0); // Postgres: postmaster and its backends
      await sleep(PAUSE_MS / 2);
      expect(infra().isStopped(server)).toBe(true);
      during = await readinessNow(p);
      await sleep(PAUSE_MS / 2);
    } finally {
      infra().signal(server, 'SIGCONT');
    }
  });
  note(`SIGSTOP ${server} ${PAUSE_MS / 1000} s`, o, during);
}
