import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { renderChart, repoRoot } from './test/helm';

/**
 * The chart's observability values (issue 10), rendered by a real helm: tracing settings in every
 * process, a PodMonitor per admin port, the SLO PrometheusRule and the generated dashboards.
 */
interface K8sObject {
  kind: string;
  metadata: { name: string };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- a Kubernetes object's spec has too many shapes to type here
  data?: Record<string, string>;
}

const SERVICES = ['gateway', 'auth', 'messaging', 'presence', 'fanout', 'notification'] as const;
const root = repoRoot();

function parse(manifest: string): K8sObject[] {
  return parseAllDocuments(manifest)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} rendered`);
  return found;
}

/** The literal env of a Deployment's container (what the observability values set). */
function processEnv(deployment: K8sObject): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of deployment.spec.template.spec.containers[0].env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return env;
}

describe('charts/parley observability', () => {
  const envOf = (d: K8sObject): Array<{ name: string }> => d.spec.template.spec.containers[0].env ?? [];
  const objects = parse(renderChart({}, root));

  it('traces every process when an OTLP endpoint is set, scrapes every admin port, and ships the SLO rules and the generated dashboards', () => {
    expect(envOf(find(objects, 'Deployment', 'parley-auth')).map((e) => e.name).filter((n) => n.startsWith('OTEL_'))).toEqual([]);
    const on = parse(
      renderChart(
        {
          namespace: 'chat',
          set: [
            'observability.tracing.otlpEndpoint=http://collector:4318',
            'observability.tracing.resourceAttributes.deployment\\.environment=prod',
            'observability.podMonitors.enabled=true',
            'observability.prometheusRule.enabled=true',
            'observability.prometheusRule.runbookBaseUrl=https://runbooks.example/parley.md',
            'observability.dashboards.enabled=true',
          ],
        },
        root,
      ),
    );
    for (const name of SERVICES) {
      const env = processEnv(find(on, 'Deployment', `parley-${name}`));
      expect({ name, endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, service: env.OTEL_SERVICE_NAME, sampler: env.OTEL_TRACES_SAMPLER, arg: env.OTEL_TRACES_SAMPLER_ARG }).toEqual({
        name,
        endpoint: 'http://collector:4318',
        service: `parley-${name}`,
        sampler: 'parentbased_traceidratio',
        arg: '0.01',
      });
      expect(env.OTEL_RESOURCE_ATTRIBUTES).toBe('k8s.namespace.name=chat,service.namespace=parley,deployment.environment=prod');
      const monitor = find(on, 'PodMonitor', `parley-${name}`);
      expect({ name, endpoints: monitor.spec.podMetricsEndpoints }).toEqual({
        name,
        endpoints: [expect.objectContaining({ targetPort: 9090, path: '/metrics', relabelings: [{ action: 'replace', targetLabel: 'job', replacement: `parley-${name}` }] })],
      });
      expect(monitor.spec.selector.matchLabels['app.kubernetes.io/component']).toBe(name);
    }
    const rule = find(on, 'PrometheusRule', 'parley-slo');
    const rules = rule.spec.groups.flatMap((g: { rules: Array<{ alert?: string; annotations?: Record<string, string> }> }) => g.rules);
    const alerts = rules.filter((r: { alert?: string }) => r.alert);
    expect(alerts.length).toBe(6);
    for (const a of alerts) expect(a.annotations.runbook_url).toBe(`https://runbooks.example/parley.md#${a.alert.toLowerCase()}`);
    const runbooks = readFileSync(join(root, 'docs', 'runbooks.md'), 'utf8');
    for (const a of alerts) expect({ alert: a.alert, section: runbooks.includes(`\n## ${a.alert}\n`) }).toEqual({ alert: a.alert, section: true });
    const dashboards = on.filter((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('parley-dashboard-'));
    expect(dashboards.map((d) => d.metadata.name).sort()).toEqual(['auth', 'fanout', 'gateway', 'messaging', 'notification', 'presence', 'slo'].map((n) => `parley-dashboard-${n}`));
    for (const d of dashboards) for (const json of Object.values(d.data ?? {})) expect(JSON.parse(json).uid).toMatch(/^parley-/);
  });

});
