/**
 * "Only the gateway reaches the subgraphs", evaluated the way Kubernetes does: a pod selected by
 * an Ingress policy accepts only what the union of those policies' rules allows; a pod selected
 * by none accepts everything. For every subgraph pod the check lists who may connect and fails
 * on anyone but the gateway's pods (another pod, another namespace, an IP block, a rule with no
 * `from`), and when the gateway itself is not let through.
 */
import type { NetworkPolicy } from 'kubernetes-types/networking/v1';
import { selectorMatches } from './label-selectors';
import { label, workloadsOf, type CheckContext, type Workload } from './kubernetes-workloads';
import { fieldPath, type Problem } from './problems';

const selectsIngress = (policy: NetworkPolicy) => (policy.spec?.policyTypes ?? ['Ingress']).includes('Ingress');

export function checkNetworkPolicies(context: CheckContext): Problem[] {
  const problems: Problem[] = [];
  const policies = context.resources.filter((r) => r.object.kind === 'NetworkPolicy');
  const pods = workloadsOf(context);
  const labelsOf = (workload: Workload) => (workload.template.metadata?.labels ?? {}) as Record<string, string>;
  const gatewayPods = pods.filter((w) => w.process === 'gateway');

  for (const workload of pods) {
    if (workload.kind !== 'Deployment' || !workload.process || workload.process === 'gateway' || workload.process === 'migrate') continue;
    const selecting = policies.filter((p) => {
      const policy = p.object as NetworkPolicy;
      return p.object.metadata.namespace === workload.resource.object.metadata.namespace && selectsIngress(policy) && selectorMatches(policy.spec?.podSelector, labelsOf(workload));
    });
    if (selecting.length === 0) {
      problems.push({ file: workload.resource.file, field: 'spec.template.metadata.labels', message: `${label(context, workload)}: no NetworkPolicy isolates the ${workload.process} pods, so anything in the cluster can reach them` });
      continue;
    }
    let gatewayAllowed = false;
    for (const policy of selecting) {
      ((policy.object as NetworkPolicy).spec?.ingress ?? []).forEach((rule, ruleIndex) => {
        const at = (...rest: Array<string | number>) => fieldPath(['spec', 'ingress', ruleIndex, ...rest]);
        const opens = (field: string, who: string) => problems.push({ file: policy.file, field, message: `[${context.overlay}] NetworkPolicy ${policy.object.metadata.name} lets ${who} reach ${workload.process}; only the gateway may` });
        if (!rule.from || rule.from.length === 0) {
          opens(at('from'), 'everyone');
          return;
        }
        rule.from.forEach((peer, peerIndex) => {
          if (peer.ipBlock) return opens(at('from', peerIndex, 'ipBlock'), `addresses ${peer.ipBlock.cidr}`);
          if (peer.namespaceSelector) return opens(at('from', peerIndex, 'namespaceSelector'), 'pods of other namespaces');
          const admitted = pods.filter((other) => selectorMatches(peer.podSelector, labelsOf(other)));
          const strangers = admitted.filter((other) => other.process !== 'gateway');
          if (strangers.length > 0) return opens(at('from', peerIndex, 'podSelector'), `${[...new Set(strangers.map((s) => s.process ?? s.name))].join(', ')}`);
          if (peer.podSelector && Object.keys(peer.podSelector).length === 0) return opens(at('from', peerIndex, 'podSelector'), 'every pod of the namespace');
          if (admitted.length > 0) {
            const ports = rule.ports ?? [];
            const port = workload.container.ports?.find((p) => p.name === 'http');
            if (ports.length === 0 || ports.some((p) => p.port === undefined || p.port === 'http' || p.port === port?.containerPort)) gatewayAllowed = true;
          }
        });
      });
    }
    if (!gatewayAllowed && gatewayPods.length > 0) {
      problems.push({ file: workload.resource.file, field: 'spec.template.metadata.labels', message: `${label(context, workload)}: no NetworkPolicy lets the gateway reach ${workload.process} on its http port` });
    }
  }
  return problems;
}
