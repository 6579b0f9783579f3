/**
 * The Kubernetes checks beyond API types: every process deployed once with the environment it
 * reads, probes on paths it serves, the grace period above its shutdown timeout, the pod
 * hardening, resources, autoscalers, disruption budgets, Services and the gateway's subgraph URLs.
 * Network policies are in network-policy-checks.ts.
 */
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2';
import type { Probe, Service } from 'kubernetes-types/core/v1';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import { checkEnvironment } from './env-coverage';
import { selectorMatches } from './label-selectors';
import { containerPath, environmentOf, label, objectsOfKind, valueOf, workloadsOf, type CheckContext, type Workload } from './kubernetes-workloads';
import { fieldPath, type Problem } from './problems';
import { locateGeneratedKey } from './generated-keys';
import { embedsPassword, isSecretVariable, processNames, servedPaths, subgraphNames, type ProcessName } from './processes';

/** Processes that must have a HorizontalPodAutoscaler (the gateway and the engine workers). */
export const autoscaledProcesses: ProcessName[] = ['gateway', 'executions'];

/** Seconds Kubernetes must wait beyond preStop + SHUTDOWN_TIMEOUT_MS before it kills a pod. */
const graceMarginSeconds = 2;

function checkProbes(context: CheckContext, workload: Workload, port: string | undefined): Problem[] {
  const problems: Problem[] = [];
  const { container, resource } = workload;
  for (const kind of ['startupProbe', 'livenessProbe', 'readinessProbe'] as const) {
    const probe: Probe | undefined = container[kind];
    const field = containerPath(workload, kind);
    if (!probe) {
      problems.push({ file: resource.file, field, message: `${label(context, workload)}: no ${kind}` });
      continue;
    }
    if (!probe.httpGet) {
      problems.push({ file: resource.file, field, message: `${label(context, workload)}: ${kind} must be an httpGet on a health endpoint` });
      continue;
    }
    const path = probe.httpGet.path ?? '/';
    if (!(servedPaths as readonly string[]).includes(path)) {
      problems.push({ file: resource.file, field: `${field}.httpGet.path`, message: `${label(context, workload)}: ${workload.process} does not serve ${path} (it serves ${servedPaths.join(', ')})` });
    }
    const expected = kind === 'readinessProbe' ? '/readyz' : '/livez';
    if ((servedPaths as readonly string[]).includes(path) && path !== expected) {
      problems.push({ file: resource.file, field: `${field}.httpGet.path`, message: `${label(context, workload)}: a ${kind} belongs on ${expected}, not ${path}` });
    }
    const named = container.ports?.find((p) => (typeof probe.httpGet!.port === 'string' ? p.name === probe.httpGet!.port : p.containerPort === probe.httpGet!.port));
    if (!named) {
      problems.push({ file: resource.file, field: `${field}.httpGet.port`, message: `${label(context, workload)}: port ${probe.httpGet.port} is not a port of the container` });
    } else if (port !== undefined && String(named.containerPort) !== port) {
      problems.push({ file: resource.file, field: `${field}.httpGet.port`, message: `${label(context, workload)}: probes port ${named.containerPort} but the process listens on PORT=${port}` });
    }
  }
  return problems;
}

function checkHardening(context: CheckContext, workload: Workload): Problem[] {
  const problems: Problem[] = [];
  const { container, pod, resource } = workload;
  const add = (field: string, message: string) => problems.push({ file: resource.file, field, message: `${label(context, workload)}: ${message}` });
  const security = container.securityContext ?? {};
  const podSecurity = pod.securityContext ?? {};
  if ((security.runAsNonRoot ?? podSecurity.runAsNonRoot) !== true) add(containerPath(workload, 'securityContext', 'runAsNonRoot'), 'must run as non-root (runAsNonRoot: true on the pod or the container)');
  if ((security.runAsUser ?? podSecurity.runAsUser) === 0) add(containerPath(workload, 'securityContext', 'runAsUser'), 'runAsUser 0 is root');
  if (security.readOnlyRootFilesystem !== true) add(containerPath(workload, 'securityContext', 'readOnlyRootFilesystem'), 'the root filesystem must be read-only');
  if (security.allowPrivilegeEscalation !== false) add(containerPath(workload, 'securityContext', 'allowPrivilegeEscalation'), 'privilege escalation must be off (allowPrivilegeEscalation: false)');
  if (security.privileged === true) add(containerPath(workload, 'securityContext', 'privileged'), 'must not be privileged');
  if (!(security.capabilities?.drop ?? []).includes('ALL')) add(containerPath(workload, 'securityContext', 'capabilities', 'drop'), 'must drop ALL capabilities');
  for (const section of ['requests', 'limits'] as const) {
    for (const resourceName of ['cpu', 'memory']) {
      if (container.resources?.[section]?.[resourceName] === undefined) add(containerPath(workload, 'resources', section, resourceName), `no ${section}.${resourceName}`);
    }
  }
  const image = container.image ?? '';
  if (!/@sha256:|:[\w.-]+$/.test(image.replace(/^[^/]*:\d+\//, '')) || image.endsWith(':latest')) add(containerPath(workload, 'image'), `image ${image} must be pinned to a tag or digest (not latest)`);
  return problems;
}

function checkGrace(context: CheckContext, workload: Workload, shutdownTimeoutMs: string | undefined): Problem[] {
  const preStop = workload.container.lifecycle?.preStop;
  const command = preStop?.exec?.command ?? [];
  const sleepSeconds = preStop?.sleep?.seconds ?? (command[0] === 'sleep' ? Number(command[1] ?? 0) : 0);
  const shutdownSeconds = Math.ceil(Number(shutdownTimeoutMs ?? 10_000) / 1000);
  const needed = sleepSeconds + shutdownSeconds + graceMarginSeconds;
  const grace = workload.pod.terminationGracePeriodSeconds ?? 30;
  if (grace >= needed) return [];
  return [{
    file: workload.resource.file,
    field: fieldPath([...workload.podPath, 'terminationGracePeriodSeconds']),
    message: `${label(context, workload)}: ${grace} s does not cover preStop ${sleepSeconds} s + SHUTDOWN_TIMEOUT_MS ${shutdownSeconds} s + ${graceMarginSeconds} s; Kubernetes would kill the process mid-shutdown (needs >= ${needed})`,
  }];
}

/** Every check of this file over one rendered overlay. */
export function checkKubernetesWorkloads(context: CheckContext): Problem[] {
  const problems: Problem[] = [];
  const workloads = workloadsOf(context);
  const deployments = new Map<ProcessName, Workload>();
  let migrateJobs = 0;

  for (const workload of workloads) {
    const { resource } = workload;
    if (!workload.process) {
      problems.push({ file: resource.file, field: containerPath(workload, 'args'), message: `${label(context, workload)}: args[0] must name the process (${processNames.join(', ')} or migrate), got ${JSON.stringify(workload.container.args?.[0])}` });
      continue;
    }
    if (workload.kind === 'Deployment' && workload.process !== 'migrate') {
      const selector = (resource.object as { spec?: { selector?: Parameters<typeof selectorMatches>[0] } }).spec?.selector;
      if (workload.containerIndex === 0 && !selectorMatches(selector, podLabels(workload))) {
        problems.push({ file: resource.file, field: 'spec.selector', message: `${label(context, workload)}: the selector does not match the pod template's labels (the API server rejects it)` });
      }
      if (deployments.has(workload.process)) problems.push({ file: resource.file, field: containerPath(workload, 'args'), message: `${label(context, workload)}: ${workload.process} is deployed twice` });
      deployments.set(workload.process, workload);
    }
    if (workload.kind === 'Job' && workload.process === 'migrate') migrateJobs += 1;
    if (workload.kind === 'Job' && workload.process !== 'migrate') problems.push({ file: resource.file, field: containerPath(workload, 'args'), message: `${label(context, workload)}: a Job runs migrate, not ${workload.process}` });
    if (workload.kind === 'Deployment' && workload.process === 'migrate') problems.push({ file: resource.file, field: containerPath(workload, 'args'), message: `${label(context, workload)}: migrate is a one-shot Job, not a Deployment` });

    const { provided, problems: sourceProblems } = environmentOf(context, workload);
    problems.push(...sourceProblems);
    problems.push(...checkEnvironment({
      process: workload.process,
      provided,
      file: resource.file,
      field: containerPath(workload, 'env'),
      context: label(context, workload),
      requireSecretsFromSecret: true,
      hint: workload.process === 'migrate'
        ? `add it to ${workload.resource.file}`
        : `add it to ${context.displayRoot}/base/config/${workload.process}.env, or for a credential to the Secret template and a secretKeyRef`,
    }));
    problems.push(...checkHardening(context, workload));
    if (workload.kind === 'Deployment' && workload.process !== 'migrate') {
      problems.push(...checkProbes(context, workload, valueOf(provided, 'PORT')));
      problems.push(...checkGrace(context, workload, valueOf(provided, 'SHUTDOWN_TIMEOUT_MS')));
      const port = workload.container.ports?.find((p) => p.name === 'http');
      if (!port) problems.push({ file: resource.file, field: containerPath(workload, 'ports'), message: `${label(context, workload)}: no container port named http` });
      else if (String(port.containerPort) !== valueOf(provided, 'PORT')) {
        problems.push({ file: resource.file, field: containerPath(workload, 'ports', 0, 'containerPort'), message: `${label(context, workload)}: containerPort ${port.containerPort} but PORT=${valueOf(provided, 'PORT')}` });
      }
      if (workload.process === 'gateway') problems.push(...checkSubgraphUrls(context, workload, provided.map((v) => ({ name: v.name, value: v.value, file: v.file, field: v.field }))));
    }
  }

  const base = context.resources.find((r) => r.object.kind === 'Namespace')?.file ?? `${context.displayRoot}/overlays/${context.overlay}/kustomization.yaml`;
  for (const name of processNames) {
    if (!deployments.has(name)) problems.push({ file: base, field: 'resources', message: `[${context.overlay}] no Deployment runs ${name}` });
  }
  if (migrateJobs !== 1) problems.push({ file: base, field: 'resources', message: `[${context.overlay}] expected one migrate Job, found ${migrateJobs}` });

  problems.push(...checkConfigMapsHoldNoCredentials(context));
  problems.push(...checkServices(context, deployments));
  problems.push(...checkAutoscalers(context, deployments));
  problems.push(...checkDisruptionBudgets(context, deployments));
  return problems;
}

function podLabels(workload: Workload): Record<string, string> {
  return (workload.template.metadata?.labels ?? {}) as Record<string, string>;
}

function checkServices(context: CheckContext, deployments: Map<ProcessName, Workload>): Problem[] {
  const problems: Problem[] = [];
  for (const [name, workload] of deployments) {
    const services = objectsOfKind(context, 'Service').filter((s) => selectorMatches({ matchLabels: (s.object as Service).spec?.selector }, podLabels(workload)));
    if (services.length === 0) {
      problems.push({ file: workload.resource.file, field: 'spec.template.metadata.labels', message: `[${context.overlay}] no Service selects the ${name} pods` });
      continue;
    }
    for (const service of services) {
      (service.object as Service).spec?.ports?.forEach((port, index) => {
        const target = port.targetPort ?? port.port;
        const match = workload.container.ports?.some((p) => (typeof target === 'string' ? p.name === target : p.containerPort === target));
        if (!match) problems.push({ file: service.file, field: fieldPath(['spec', 'ports', index, 'targetPort']), message: `[${context.overlay}] Service ${service.object.metadata.name}: targetPort ${target} is not a port of the ${name} container` });
      });
    }
  }
  return problems;
}

/** AUTH_URL=http://auth:4101/graphql must reach a Service that selects the auth pods, on that port. */
function checkSubgraphUrls(context: CheckContext, workload: Workload, provided: Array<{ name: string; value: string | undefined; file: string; field: string }>): Problem[] {
  const problems: Problem[] = [];
  for (const subgraph of subgraphNames) {
    const variable = [...provided].reverse().find((v) => v.name === `${subgraph.toUpperCase()}_URL`);
    if (!variable?.value) continue;
    let url: URL;
    try {
      url = new URL(variable.value);
    } catch {
      continue; // the env schema reports it
    }
    const [host, namespace] = url.hostname.split('.');
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const service = objectsOfKind(context, 'Service').find((s) => s.object.metadata.name === host);
    const target = `${label(context, workload)}: ${variable.name}=${variable.value}`;
    if (!service) {
      problems.push({ file: variable.file, field: variable.field, message: `${target}: no Service named ${host}` });
      continue;
    }
    if (namespace && service.object.metadata.namespace && namespace !== service.object.metadata.namespace && namespace !== 'svc') {
      problems.push({ file: variable.file, field: variable.field, message: `${target}: the Service ${host} is in namespace ${service.object.metadata.namespace}, not ${namespace}` });
    }
    const spec = (service.object as Service).spec;
    if (!spec?.ports?.some((p) => p.port === port)) problems.push({ file: variable.file, field: variable.field, message: `${target}: Service ${host} has no port ${port}` });
    const selected = workloadsOf(context).find((w) => w.kind === 'Deployment' && w.process === subgraph && selectorMatches({ matchLabels: spec?.selector }, podLabels(w)));
    if (!selected) problems.push({ file: variable.file, field: variable.field, message: `${target}: Service ${host} does not select the ${subgraph} pods` });
  }
  return problems;
}

function checkAutoscalers(context: CheckContext, deployments: Map<ProcessName, Workload>): Problem[] {
  const problems: Problem[] = [];
  const autoscalers = objectsOfKind(context, 'HorizontalPodAutoscaler');
  for (const autoscaler of autoscalers) {
    const target = (autoscaler.object as HorizontalPodAutoscaler).spec?.scaleTargetRef;
    const workload = [...deployments.values()].find((w) => target?.kind === 'Deployment' && w.name === target.name);
    if (!workload) problems.push({ file: autoscaler.file, field: 'spec.scaleTargetRef', message: `[${context.overlay}] HorizontalPodAutoscaler ${autoscaler.object.metadata.name} targets ${target?.kind}/${target?.name}, which is not deployed` });
  }
  for (const [name, workload] of deployments) {
    const scaled = autoscalers.some((a) => (a.object as HorizontalPodAutoscaler).spec?.scaleTargetRef?.name === workload.name);
    if (autoscaledProcesses.includes(name) && !scaled) problems.push({ file: workload.resource.file, field: 'metadata.name', message: `[${context.overlay}] ${name} has no HorizontalPodAutoscaler` });
    const replicas = (workload.resource.object as { spec?: { replicas?: number } }).spec?.replicas;
    if (scaled && replicas !== undefined) problems.push({ file: workload.resource.file, field: 'spec.replicas', message: `[${context.overlay}] ${name} is autoscaled: leave spec.replicas unset, or every apply resets the autoscaler's count` });
  }
  return problems;
}

function checkDisruptionBudgets(context: CheckContext, deployments: Map<ProcessName, Workload>): Problem[] {
  const problems: Problem[] = [];
  const budgets = objectsOfKind(context, 'PodDisruptionBudget');
  for (const [name, workload] of deployments) {
    if (!budgets.some((b) => selectorMatches((b.object as PodDisruptionBudget).spec?.selector, podLabels(workload)))) {
      problems.push({ file: workload.resource.file, field: 'spec.template.metadata.labels', message: `[${context.overlay}] no PodDisruptionBudget covers the ${name} pods` });
    }
  }
  for (const budget of budgets) {
    const covered = [...deployments.values()].some((w) => selectorMatches((budget.object as PodDisruptionBudget).spec?.selector, podLabels(w)));
    if (!covered) problems.push({ file: budget.file, field: 'spec.selector', message: `[${context.overlay}] PodDisruptionBudget ${budget.object.metadata.name} selects no Conveyor pods` });
  }
  return problems;
}

/** A ConfigMap is readable by anyone who can read the namespace's configuration: no credentials. */
function checkConfigMapsHoldNoCredentials(context: CheckContext): Problem[] {
  const problems: Problem[] = [];
  for (const configMap of objectsOfKind(context, 'ConfigMap')) {
    for (const [key, value] of Object.entries((configMap.object as { data?: Record<string, string> }).data ?? {})) {
      if (!isSecretVariable(key) && !embedsPassword(value)) continue;
      const at = (configMap.generator
        ? locateGeneratedKey({ deployRoot: context.deployRoot, displayRoot: context.displayRoot, overlay: context.overlay, kind: 'ConfigMap', name: configMap.object.metadata.name, key })
        : undefined) ?? { file: configMap.file, field: fieldPath(['data', key]) };
      problems.push({ ...at, message: `[${context.overlay}] ConfigMap ${configMap.object.metadata.name}: ${key} carries a credential; put it in the Secret (base/secret.template.yaml) and take it with secretKeyRef` });
    }
  }
  return problems;
}
