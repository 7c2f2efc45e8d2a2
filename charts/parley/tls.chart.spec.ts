import { loadConfig } from '@parley/config';
import { renderChart, repoRoot } from './test/helm';
import { container, find, helmFailsIn, K8sObject, parse, processEnv } from './test/k8s-objects';

/**
 * The chart's TLS values (docs/deploy.md, "TLS"), rendered by a real helm: each Secret is mounted
 * read-only only in the pods that talk to its system, and the settings name files inside the
 * mounts, in a configuration libs/config accepts. Also the gateway's newer settings (sign-in limits,
 * signal rate, the client address header behind the Ingress).
 */
const SERVICES = ['gateway', 'auth', 'messaging', 'presence', 'fanout', 'notification'] as const;

describe('charts/parley: TLS and the gateway limits', () => {
  const root = repoRoot();
  let plain: K8sObject[];
  let tls: K8sObject[];

  beforeAll(() => {
    plain = parse(renderChart({}, root));
    tls = parse(renderChart({ valuesFiles: ['charts/parley/test/values-all-options.yaml'] }, root));
  });

  const mounts = (d: K8sObject) => (container(d).volumeMounts as Array<{ name: string; mountPath: string; readOnly?: boolean }>).filter((m) => m.name.startsWith('tls-'));

  it('mounts no TLS Secret and sets no TLS setting by default', () => {
    for (const name of SERVICES) {
      const d = find(plain, 'Deployment', `parley-${name}`);
      const config = loadConfig(processEnv(plain, d, '10.1.2.3'));
      expect({ name, tls: [config.kafka.tls, config.cassandra.tls, config.grpc.tls, config.redisTlsCaFile] }).toEqual({ name, tls: [null, null, null, ''] });
      expect(mounts(d)).toEqual([]);
    }
  });

  it('gives each pod the TLS files of the systems it talks to, mounted read-only where the settings point', () => {
    const systemsOf: Record<(typeof SERVICES)[number], string[]> = {
      gateway: ['kafka', 'grpc', 'redis'],
      auth: ['kafka', 'grpc', 'postgres'],
      messaging: ['kafka', 'grpc', 'postgres', 'cassandra'],
      presence: ['kafka', 'grpc', 'postgres', 'redis'],
      fanout: ['kafka', 'grpc', 'redis'],
      notification: ['kafka', 'grpc', 'postgres', 'redis'],
    };
    for (const name of SERVICES) {
      const d = find(tls, 'Deployment', `parley-${name}`);
      const systems = systemsOf[name];
      expect({ name, mounts: mounts(d).map((m) => m.name).sort() }).toEqual({ name, mounts: systems.map((s) => `tls-${s}`).sort() });
      for (const m of mounts(d)) expect(m).toEqual({ name: m.name, mountPath: `/etc/parley/tls/${m.name.slice(4)}`, readOnly: true });
      const volumes = d.spec.template.spec.volumes.filter((v: { name: string }) => v.name.startsWith('tls-'));
      for (const v of volumes) expect(v.secret).toEqual({ secretName: `parley-${v.name.slice(4)}-${['postgres', 'redis'].includes(v.name.slice(4)) ? 'ca' : 'tls'}`, defaultMode: 0o400 });

      const config = loadConfig(processEnv(tls, d, '10.1.2.3'));
      expect(config.kafka.tls).toEqual({ caFile: '/etc/parley/tls/kafka/ca.crt', certFile: '/etc/parley/tls/kafka/tls.crt', keyFile: '/etc/parley/tls/kafka/tls.key' });
      expect(config.grpc.tls).toEqual({ caFile: '/etc/parley/tls/grpc/ca.crt', certFile: '/etc/parley/tls/grpc/tls.crt', keyFile: '/etc/parley/tls/grpc/tls.key', mutual: true, serverName: 'parley-grpc' });
      expect(config.cassandra.tls).toEqual(systems.includes('cassandra') ? { caFile: '/etc/parley/tls/cassandra/ca.crt', certFile: '', keyFile: '', verifyHostname: false } : null);
      expect(config.redisTlsCaFile).toBe(systems.includes('redis') ? '/etc/parley/tls/redis/ca.crt' : '');
    }
  });

  it('gives the setup Job the Postgres, Kafka and Cassandra TLS files', () => {
    const job = tls.find((o) => o.kind === 'Job');
    expect(job).toBeDefined();
    const names = (container(job!).volumeMounts as Array<{ name: string }>).map((m) => m.name).filter((n) => n.startsWith('tls-'));
    expect(names.sort()).toEqual(['tls-cassandra', 'tls-kafka', 'tls-postgres']);
    const env = Object.fromEntries((container(job!).env as Array<{ name: string; value?: string }>).map((e) => [e.name, e.value ?? 'secret']));
    const config = loadConfig(env);
    expect(config.kafka.tls?.caFile).toBe('/etc/parley/tls/kafka/ca.crt');
    expect(config.cassandra.tls?.caFile).toBe('/etc/parley/tls/cassandra/ca.crt');
    expect(config.grpc.tls).toBeNull();
  });

  it('refuses gRPC TLS without a Secret and a certificate without its key', () => {
    expect(helmFailsIn(root, ['tls.grpc.enabled=true'])).toMatch(/tls.grpc.enabled needs tls.grpc.existingSecret/);
    expect(helmFailsIn(root, ['tls.kafka.enabled=true', 'tls.kafka.existingSecret=k', 'tls.kafka.certKey=tls.crt'])).toMatch(/certKey and tls.kafka.keyKey go together/);
    expect(helmFailsIn(root, ['tls.kafka.existingSecret=Not_A_Name'])).toMatch(/existingSecret/);
  });

  it('sets the sign-in limits and signal rate, and the client address header behind the Ingress', () => {
    const gateway = (objects: K8sObject[]) => loadConfig(processEnv(objects, find(objects, 'Deployment', 'parley-gateway'), '10.1.2.3')).gateway;
    expect(gateway(plain)).toMatchObject({ signalRatePerSecond: 10, clientAddressHeader: '', authLimits: { attemptsPerMinute: 60, registrationsPerMinute: 10, failuresPerAccount: 5 } });
    expect(gateway(tls)).toMatchObject({ signalRatePerSecond: 20, clientAddressHeader: 'x-real-ip' });
    const ingress = parse(renderChart({ set: ['ingress.enabled=true', 'config.gateway.authAttemptsPerMinute=30'] }, root));
    expect(gateway(ingress)).toMatchObject({ clientAddressHeader: 'x-forwarded-for', authLimits: { attemptsPerMinute: 30 } });
  });
});
