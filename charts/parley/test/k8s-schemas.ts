/**
 * Validates rendered manifests offline against the Kubernetes OpenAPI schemas compiled into the
 * `kubernetes-models` packages (two releases: 5.1.0 = Kubernetes 1.34, 4.5.1 = Kubernetes 1.33),
 * and the Prometheus Operator's CRD schemas (`@kubernetes-models/prometheus-operator`). The
 * packages are ES modules: chart.spec compiles this file with esbuild (ESM, packages external) and
 * runs it with node, manifests as a JSON array on stdin; it prints one JSON report.
 */
import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import * as v133core from 'kubernetes-models-4/v1';
import * as v133apps from 'kubernetes-models-4/apps/v1';
import * as v133batch from 'kubernetes-models-4/batch/v1';
import * as v133autoscaling from 'kubernetes-models-4/autoscaling/v2';
import * as v133networking from 'kubernetes-models-4/networking.k8s.io/v1';
import * as v133policy from 'kubernetes-models-4/policy/v1';
import { PodMonitor, PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';

interface Validatable {
  validate(): void;
}
/** A model class: its instances validate themselves (the packages' typings do not all say so). */
type ModelClass = new (data: never) => object;

export const KUBERNETES_VERSIONS = ['1.34', '1.33'] as const;

const models: Record<(typeof KUBERNETES_VERSIONS)[number], Record<string, ModelClass>> = {
  '1.34': {
    'v1/ConfigMap': ConfigMap,
    'v1/Service': Service,
    'v1/ServiceAccount': ServiceAccount,
    'apps/v1/Deployment': Deployment,
    'batch/v1/Job': Job,
    'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
    'networking.k8s.io/v1/Ingress': Ingress,
    'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
    'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  },
  '1.33': {
    'v1/ConfigMap': v133core.ConfigMap,
    'v1/Service': v133core.Service,
    'v1/ServiceAccount': v133core.ServiceAccount,
    'apps/v1/Deployment': v133apps.Deployment,
    'batch/v1/Job': v133batch.Job,
    'autoscaling/v2/HorizontalPodAutoscaler': v133autoscaling.HorizontalPodAutoscaler,
    'networking.k8s.io/v1/Ingress': v133networking.Ingress,
    'networking.k8s.io/v1/NetworkPolicy': v133networking.NetworkPolicy,
    'policy/v1/PodDisruptionBudget': v133policy.PodDisruptionBudget,
  },
};
const crds: Record<string, ModelClass> = {
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PodMonitor': PodMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

export interface SchemaReport {
  checked: Array<{ object: string; against: string }>;
  errors: string[];
}

export function validateManifests(objects: Array<{ apiVersion: string; kind: string; metadata: { name: string } }>): SchemaReport {
  const report: SchemaReport = { checked: [], errors: [] };
  for (const o of objects) {
    const key = `${o.apiVersion}/${o.kind}`;
    const name = `${o.kind}/${o.metadata?.name}`;
    const targets: Array<[string, ModelClass | undefined]> = crds[key]
      ? [['prometheus-operator CRD', crds[key]]]
      : KUBERNETES_VERSIONS.map((v) => [`Kubernetes ${v}`, models[v][key]]);
    for (const [against, Model] of targets) {
      if (!Model) {
        report.errors.push(`${name}: no schema for ${key} in ${against}`);
        continue;
      }
      try {
        (new Model(o as never) as Validatable).validate();
        report.checked.push({ object: name, against });
      } catch (err) {
        report.errors.push(`${name} against ${against}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  return report;
}

const chunks: Buffer[] = [];
process.stdin.on('data', (c: Buffer) => chunks.push(c));
process.stdin.on('end', () => {
  const report = validateManifests(JSON.parse(Buffer.concat(chunks).toString('utf8')));
  process.stdout.write(JSON.stringify(report));
});
