/**
 * Reads the rendered Deployments and Jobs as the checks need them: which process each container
 * runs, and the environment it receives (ConfigMaps, Secrets, literals), each variable with the
 * deploy/ file where it is set.
 */
import type { Container, PodSpec, PodTemplateSpec } from 'kubernetes-types/core/v1';
import { locateGeneratedKey } from './generated-keys';
import type { ProvidedVariable } from './env-coverage';
import { fieldPath, type Problem } from './problems';
import { isProcessName, type ProcessName } from './processes';
import type { KubernetesObject, RenderedResource } from './render-kustomize';

export interface CheckContext {
  overlay: string;
  resources: RenderedResource[];
  /** Secrets the manifests reference but do not render (base/secret.template.yaml). */
  secretTemplates: RenderedResource[];
  deployRoot: string;
  displayRoot: string;
}

export interface Workload {
  resource: RenderedResource;
  kind: 'Deployment' | 'Job';
  name: string;
  template: PodTemplateSpec;
  pod: PodSpec;
  /** Field path of the pod spec inside the resource. */
  podPath: Array<string | number>;
  container: Container;
  containerIndex: number;
  /** The process named by the container's first argument (the image's entrypoint runs it). */
  process: ProcessName | 'migrate' | undefined;
}

export const label = (context: CheckContext, workload: Workload) => `[${context.overlay}] ${workload.kind} ${workload.name}, container ${workload.container.name}`;

export const containerPath = (workload: Workload, ...rest: Array<string | number>) =>
  fieldPath([...workload.podPath, 'containers', workload.containerIndex, ...rest]);

export const objectsOfKind = (context: CheckContext, kind: string) => context.resources.filter((resource) => resource.object.kind === kind);

export function workloadsOf(context: CheckContext): Workload[] {
  const workloads: Workload[] = [];
  for (const resource of context.resources) {
    const object = resource.object as KubernetesObject & { spec?: { template?: PodTemplateSpec } };
    if (object.kind !== 'Deployment' && object.kind !== 'Job') continue;
    const template = object.spec?.template;
    const pod = template?.spec;
    if (!template || !pod) continue;
    (pod.containers ?? []).forEach((container, containerIndex) => {
      const first = container.args?.[0];
      const process = first === 'migrate' ? 'migrate' : isProcessName(first) ? first : undefined;
      workloads.push({ resource, kind: object.kind as 'Deployment' | 'Job', name: object.metadata.name, template, pod, podPath: ['spec', 'template', 'spec'], container, containerIndex, process });
    });
  }
  return workloads;
}

function findSecret(context: CheckContext, name: string): RenderedResource | undefined {
  return objectsOfKind(context, 'Secret').find((s) => s.object.metadata.name === name) ?? context.secretTemplates.find((s) => s.object.metadata.name === name);
}

const isTemplate = (context: CheckContext, secret: RenderedResource | undefined) => secret !== undefined && context.secretTemplates.includes(secret);

function secretData(secret: RenderedResource): Record<string, string> {
  const object = secret.object as KubernetesObject & { data?: Record<string, string>; stringData?: Record<string, string> };
  const decoded = Object.fromEntries(Object.entries(object.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
  return { ...decoded, ...(object.stringData ?? {}) };
}

function whereKey(context: CheckContext, source: RenderedResource, key: string): { file: string; field: string } {
  const kind = source.object.kind as 'ConfigMap' | 'Secret';
  if (source.generator) {
    const located = locateGeneratedKey({ deployRoot: context.deployRoot, displayRoot: context.displayRoot, overlay: context.overlay, kind, name: source.object.metadata.name, key });
    if (located) return located;
  }
  return { file: source.file, field: fieldPath([kind === 'Secret' && 'stringData' in source.object ? 'stringData' : 'data', key]) };
}

/** The variables a container receives, in the order Kubernetes applies them (env over envFrom). */
export function environmentOf(context: CheckContext, workload: Workload): { provided: ProvidedVariable[]; problems: Problem[] } {
  const provided: ProvidedVariable[] = [];
  const problems: Problem[] = [];
  const { container, resource } = workload;
  (container.envFrom ?? []).forEach((from, index) => {
    const field = containerPath(workload, 'envFrom', index);
    if (from.configMapRef) {
      const configMap = objectsOfKind(context, 'ConfigMap').find((c) => c.object.metadata.name === from.configMapRef!.name);
      if (!configMap) {
        if (!from.configMapRef.optional) problems.push({ file: resource.file, field, message: `${label(context, workload)}: ConfigMap ${from.configMapRef.name} is not part of the build` });
        return;
      }
      for (const [key, value] of Object.entries((configMap.object as { data?: Record<string, string> }).data ?? {})) {
        provided.push({ name: `${from.prefix ?? ''}${key}`, value, ...whereKey(context, configMap, key), fromSecret: false });
      }
    } else if (from.secretRef) {
      const secret = findSecret(context, from.secretRef.name ?? '');
      if (!secret) {
        if (!from.secretRef.optional) problems.push({ file: resource.file, field, message: `${label(context, workload)}: Secret ${from.secretRef.name} is neither built nor in the Secret template` });
        return;
      }
      for (const [key, value] of Object.entries(secretData(secret))) {
        provided.push({ name: `${from.prefix ?? ''}${key}`, value, ...whereKey(context, secret, key), fromSecret: true, placeholder: isTemplate(context, secret) });
      }
    }
  });
  (container.env ?? []).forEach((variable, index) => {
    const field = containerPath(workload, 'env', index);
    const at = { file: resource.file, field };
    if (variable.valueFrom?.configMapKeyRef) {
      const ref = variable.valueFrom.configMapKeyRef;
      const configMap = objectsOfKind(context, 'ConfigMap').find((c) => c.object.metadata.name === ref.name);
      const value = (configMap?.object as { data?: Record<string, string> } | undefined)?.data?.[ref.key];
      if (value === undefined && !ref.optional) {
        problems.push({ ...at, message: `${label(context, workload)}: ${variable.name} refers to key ${ref.key} of ConfigMap ${ref.name}, which ${configMap ? 'has no such key' : 'is not part of the build'}` });
        return;
      }
      provided.push({ name: variable.name, value, ...at, fromSecret: false });
    } else if (variable.valueFrom?.secretKeyRef) {
      const ref = variable.valueFrom.secretKeyRef;
      const secret = findSecret(context, ref.name ?? '');
      const value = secret ? secretData(secret)[ref.key] : undefined;
      if (value === undefined && !ref.optional) {
        problems.push({ ...at, message: `${label(context, workload)}: ${variable.name} refers to key ${ref.key} of Secret ${ref.name}, which ${secret ? 'has no such key' : 'is neither built nor in the Secret template'}` });
        return;
      }
      provided.push({ name: variable.name, value, ...at, fromSecret: true, placeholder: isTemplate(context, secret) });
    } else if (variable.valueFrom) {
      provided.push({ name: variable.name, value: undefined, ...at, fromSecret: false });
    } else {
      provided.push({ name: variable.name, value: variable.value ?? '', ...at, fromSecret: false });
    }
  });
  return { provided, problems };
}

/** The effective value of a variable for a container (last definition wins). */
export function valueOf(provided: readonly ProvidedVariable[], name: string): string | undefined {
  let value: string | undefined;
  for (const variable of provided) if (variable.name === name) value = variable.value;
  return value;
}
