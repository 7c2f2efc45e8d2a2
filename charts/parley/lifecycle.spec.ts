import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '@parley/config';
import { renderChart, repoRoot, runHelm } from './test/helm';

/**
 * The chart's cluster life (issue 11): manifests valid against the Kubernetes OpenAPI schemas of
 * two releases and the Prometheus Operator's CRDs, the drain tied to the grace period, the setup
 * Job before installs and upgrades, the release prefix on Kafka names, signing keys from a Secret,
 * admin ports on an internal Service and an Ingress that routes only the API, WebSocket and page.
 */
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- Kubernetes specs have too many shapes to type here
  data?: Record<string, string>;
}
interface SchemaReport {
  checked: Array<{ object: string; against: string }>;
  errors: string[];
}

const root = repoRoot();
const PRODUCTION = 'charts/parley/values-production.example.yaml';
const ALL_OPTIONS = 'charts/parley/test/values-all-options.yaml';

const parse = (manifest: string): K8sObject[] =>
  parseAllDocuments(manifest)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
const find = (objects: K8sObject[], kind: string, name: string): K8sObject => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name}`);
  return o;
};
const container = (d: K8sObject) => d.spec.template.spec.containers[0];

let validator = '';
function validate(objects: K8sObject[]): SchemaReport {
  if (!validator) {
    validator = join(root, 'dist', 'charts', 'k8s-schemas.mjs');
    mkdirSync(join(root, 'dist', 'charts'), { recursive: true });
    buildSync({ entryPoints: [join(root, 'charts/parley/test/k8s-schemas.ts')], bundle: true, format: 'esm', packages: 'external', platform: 'node', target: 'node20', outfile: validator, logLevel: 'warning' });
  }
  const result = spawnSync(process.execPath, [validator], { cwd: root, input: JSON.stringify(objects), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`schema validator failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as SchemaReport;
}

describe('charts/parley: a cluster’s life', () => {
  let defaults: K8sObject[];
  let production: K8sObject[];
  let all: K8sObject[];

  beforeAll(() => {
    defaults = parse(renderChart({}, root));
    production = parse(renderChart({ namespace: 'chat', valuesFiles: [PRODUCTION] }, root));
    all = parse(renderChart({ release: 'eu', namespace: 'chat', valuesFiles: [ALL_OPTIONS] }, root));
  });

  it('passes helm lint --strict with every option on', () => {
    const result = runHelm(['lint', '--strict', 'charts/parley', '--values', ALL_OPTIONS], root);
    expect(result.stderr + result.stdout).toContain('0 chart(s) failed');
    expect(result.status).toBe(0);
  });

  it('renders manifests valid against the Kubernetes 1.34 and 1.33 schemas and the Prometheus Operator CRDs, for default, production and all-options values', () => {
    for (const [name, objects] of [['default', defaults], ['production', production], ['all options', all]] as const) {
      const report = validate(objects);
      expect({ name, errors: report.errors }).toEqual({ name, errors: [] });
      const crdKinds = ['ServiceMonitor', 'PodMonitor', 'PrometheusRule'];
      const plain = objects.filter((o) => !crdKinds.includes(o.kind)).length;
      const crd = objects.length - plain;
      expect(report.checked).toHaveLength(plain * 2 + crd);
    }
    expect(all.map((o) => o.kind)).toEqual(expect.arrayContaining(['ServiceMonitor', 'PodMonitor', 'PrometheusRule', 'Ingress', 'NetworkPolicy', 'HorizontalPodAutoscaler', 'Job']));
  });

  it('the validator reports an object the schemas refuse', () => {
    const broken = structuredClone(find(defaults, 'Deployment', 'parley-auth'));
    broken.spec.replicas = 'two';
    delete broken.spec.selector;
    const report = validate([broken]);
    expect(report.errors).toHaveLength(2);
    expect(report.errors[0]).toMatch(/Deployment\/parley-auth against Kubernetes 1\.34/);
  });

  it('ties the gateway’s grace period to preStop and the drain window, and hands the window to the process', () => {
    for (const [objects, preStop, drain] of [[defaults, 5, 20], [all, 10, 45]] as const) {
      const gateway = find(objects, 'Deployment', objects === all ? 'eu-parley-gateway' : 'parley-gateway');
      expect(gateway.spec.template.spec.terminationGracePeriodSeconds).toBe(preStop + drain + 15);
      expect(container(gateway).lifecycle.preStop.exec.command).toEqual(['node', '-e', `setTimeout(() => {}, ${preStop * 1000})`]);
      const config = find(objects, 'ConfigMap', objects === all ? 'eu-parley-config' : 'parley-config').data ?? {};
      expect(loadConfig(config).gateway.drainMs).toBe(drain * 1000);
    }
    // The other services close within 15 s of SIGTERM (runProcess); 30 s leaves room.
    expect(find(defaults, 'Deployment', 'parley-messaging').spec.template.spec.terminationGracePeriodSeconds).toBe(30);
  });

  it('runs the setup Job before installs and upgrades with the services’ settings; the services then only verify', () => {
    const job = find(defaults, 'Job', 'parley-setup');
    expect(job.metadata.annotations).toMatchObject({ 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded' });
    const c = job.spec.template.spec.containers[0];
    expect(c.command).toEqual(['node', 'dist/apps/setup/src/main.js']);
    expect(existsSync(join(root, 'apps', 'setup', 'src', 'main.ts'))).toBe(true);
    const config = find(defaults, 'ConfigMap', 'parley-config').data ?? {};
    const env = Object.fromEntries((c.env as Array<{ name: string; value?: string }>).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
    for (const key of Object.keys(env).filter((k) => k.startsWith('PARLEY_KAFKA') || k.startsWith('PARLEY_CASSANDRA'))) expect([key, env[key]]).toEqual([key, config[key]]);
    const parsed = loadConfig({ ...env, PARLEY_POSTGRES_URL: 'postgres://x@y/z' });
    expect(parsed.kafka).toMatchObject({ replicationFactor: 3, minInsyncReplicas: 2, namePrefix: 'parley.' });
    expect(parsed.cassandra.replication).toEqual({ datacenter1: 3 });
    expect(config.PARLEY_SCHEMA_SETUP).toBe('verify');
    // No service account of the release exists yet when a pre-install hook runs.
    expect(job.spec.template.spec.serviceAccountName).toBeUndefined();
    expect(job.spec.template.spec.automountServiceAccountToken).toBe(false);

    const without = parse(renderChart({ set: ['setup.enabled=false'] }, root));
    expect(without.map((o) => o.kind)).not.toContain('Job');
    expect(find(without, 'ConfigMap', 'parley-config').data?.PARLEY_SCHEMA_SETUP).toBe('create');
  });

  it('prefixes Kafka names with the release (or kafka.namePrefix) and the lag alerts follow', () => {
    expect(find(all, 'ConfigMap', 'eu-parley-config').data?.PARLEY_KAFKA_NAME_PREFIX).toBe('chat-eu.');
    expect(loadConfig(find(all, 'ConfigMap', 'eu-parley-config').data ?? {}).cassandra.replication).toEqual({ dc1: 3, dc2: 3 });
    const rules = JSON.stringify(find(all, 'PrometheusRule', 'eu-parley').spec);
    expect(rules).toContain('consumergroup=\\"chat-eu.parley-messaging-sequencer\\", topic=\\"chat-eu.parley.ingress.v1\\"');
  });

  it('mounts the signing keys Secret read-only into auth alone, naming the active kid', () => {
    const auth = find(all, 'Deployment', 'eu-parley-auth');
    expect(auth.spec.template.spec.volumes).toContainEqual({ name: 'jwt-keys', secret: { secretName: 'parley-jwt-keys', defaultMode: 0o400 } });
    expect(container(auth).volumeMounts).toContainEqual({ name: 'jwt-keys', mountPath: '/etc/parley/jwt-keys', readOnly: true });
    expect(container(auth).env).toEqual(expect.arrayContaining([{ name: 'PARLEY_JWT_KEYS_DIR', value: '/etc/parley/jwt-keys' }, { name: 'PARLEY_JWT_ACTIVE_KID', value: '2026-04' }]));
    for (const d of all.filter((o) => o.kind === 'Deployment' && o.metadata.name !== 'eu-parley-auth')) {
      expect(JSON.stringify(d.spec.template.spec)).not.toContain('jwt-keys');
    }
    expect(JSON.stringify(find(defaults, 'Deployment', 'parley-auth').spec)).not.toContain('PARLEY_JWT_KEYS_DIR');
  });

  it('takes Kafka SASL and Cassandra credentials from existing Secrets, each only where it is used', () => {
    const secretEnv = (env: Array<{ name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>) =>
      Object.fromEntries(env.filter((e) => e.valueFrom?.secretKeyRef).map((e) => [e.name, `${e.valueFrom?.secretKeyRef?.name}/${e.valueFrom?.secretKeyRef?.key}`]));
    const workloads = all.filter((o) => o.kind === 'Deployment' || o.kind === 'Job');
    expect(workloads).toHaveLength(7);
    for (const w of workloads) {
      const c = container(w);
      const env = secretEnv(c.env);
      expect(env).toMatchObject({ PARLEY_KAFKA_SASL_USERNAME: 'parley-kafka-user/username', PARLEY_KAFKA_SASL_PASSWORD: 'parley-kafka-user/password' });
      const usesCassandra = w.metadata.name === 'eu-parley-messaging' || w.kind === 'Job';
      expect([w.metadata.name, 'PARLEY_CASSANDRA_PASSWORD' in env]).toEqual([w.metadata.name, usesCassandra]);
      const literal = Object.fromEntries((c.env as Array<{ name: string; value?: string }>).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
      const resolved = { ...(find(all, 'ConfigMap', 'eu-parley-config').data ?? {}), ...literal, ...Object.fromEntries(Object.keys(env).map((k) => [k, 'from-secret'])) };
      const config = loadConfig(resolved);
      expect(config.kafka.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'from-secret', password: 'from-secret' });
    }
    expect(all.map((o) => o.kind)).not.toContain('Secret');
    const refused = runHelm(['template', 'parley', 'charts/parley', '--set', 'kafka.sasl.mechanism=scram-sha-256'], root);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('kafka.sasl.mechanism needs kafka.sasl.existingSecret');
  });

  it('serves admin ports on an internal Service, and the Ingress routes only the API, the WebSocket and the page', () => {
    const admin = find(defaults, 'Service', 'parley-admin');
    expect(admin.spec.type).toBe('ClusterIP');
    expect(admin.spec.ports).toEqual([{ name: 'admin', port: 9090, targetPort: 'admin', protocol: 'TCP' }]);
    expect(admin.spec.selector).toEqual({ 'app.kubernetes.io/name': 'parley', 'app.kubernetes.io/instance': 'parley' });
    const ingress = find(all, 'Ingress', 'eu-parley-gateway');
    for (const rule of ingress.spec.rules as Array<{ http: { paths: Array<{ path: string; pathType: string; backend: { service: { name: string } } }> } }>) {
      expect(rule.http.paths.map((p) => `${p.pathType} ${p.path}`)).toEqual(['Prefix /v1/', 'Exact /', 'Exact /index.html', 'Exact /app.js', 'Exact /app.css']);
      for (const p of rule.http.paths) expect(p.backend.service.name).toBe('eu-parley-gateway');
    }
  });
});
