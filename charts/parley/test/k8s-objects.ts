/// <reference types="jest" />
import { parseAllDocuments } from 'yaml';
import { runHelm } from './helm';

/** Reading the chart's rendered objects in its specs. */

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- a Kubernetes object's spec has too many shapes to type here
  data?: Record<string, string>;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
}

export function parse(manifest: string): K8sObject[] {
  return parseAllDocuments(manifest)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0].message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

export const kinds = (objects: K8sObject[]) => objects.map((o) => o.kind);
export const container = (deployment: K8sObject) => deployment.spec.template.spec.containers[0];
export const envOf = (deployment: K8sObject): EnvVar[] => container(deployment).env ?? [];
export const envValue = (deployment: K8sObject, name: string) => envOf(deployment).find((e) => e.name === name);

/** What the process would see: the ConfigMap, then literal env (POD_IP substituted), secrets as placeholders. */
export function processEnv(objects: K8sObject[], deployment: K8sObject, podIp: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container(deployment).envFrom ?? []) Object.assign(env, find(objects, 'ConfigMap', source.configMapRef.name).data);
  for (const e of envOf(deployment)) {
    if (e.valueFrom?.fieldRef?.fieldPath === 'status.podIP') env[e.name] = podIp;
    else if (e.valueFrom?.secretKeyRef) env[e.name] = `secret:${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`;
    else env[e.name] = (e.value ?? '').replace(/\$\(([A-Z_]+)\)/g, (_, ref: string) => env[ref] ?? '');
  }
  return env;
}

/** Runs `helm template` with `--set`s it must refuse; answers helm's stderr. */
export function helmFailsIn(root: string, set: string[]): string {
  const args = ['template', 'parley', 'charts/parley', ...set.flatMap((s) => ['--set', s])];
  const result = runHelm(args, root);
  expect(result.status).not.toBe(0);
  return result.stderr;
}
