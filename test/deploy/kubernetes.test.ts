/**
 * deploy/: every overlay builds with `kubectl kustomize`, every rendered resource (and the Secret
 * template) validates against the Kubernetes API types, and the checks of lib/ pass. Then broken
 * copies prove that each check fails on the mistake it is for, naming the file and the field.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkOverlay, overlaysOfTree, scratchCopy } from './lib/deploy-tree';
import { formatProblems, type Problem } from './lib/problems';
import { subgraphNames } from './lib/processes';

const deployRoot = join(import.meta.dirname, '..', '..', 'deploy');

describe('deploy/ (kustomize base and overlays)', () => {
  it('has the dev and prod overlays', () => {
    expect(overlaysOfTree(deployRoot)).toEqual(['dev', 'prod']);
  });

  for (const overlay of overlaysOfTree(deployRoot)) {
    it(`overlay ${overlay}: builds, validates against the API types, passes every check`, () => {
      const { problems, resources } = checkOverlay(deployRoot, overlay);
      expect(formatProblems(problems)).toEqual([]);
      const kinds = new Set(resources.map((r) => r.object.kind));
      for (const kind of ['Deployment', 'Service', 'ConfigMap', 'Job', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy']) expect(kinds).toContain(kind);
    });
  }
});

describe('a broken copy of deploy/ fails, naming the file and the field', () => {
  let copy: ReturnType<typeof scratchCopy> | undefined;
  afterEach(() => copy?.remove());
  const broken = (path: string, from: string, to: string, overlay = 'prod'): Problem[] => {
    copy = scratchCopy(deployRoot);
    copy.edit(path, from, to);
    return checkOverlay(copy.root, overlay).problems;
  };
  const expectProblem = (problems: Problem[], expected: { file: string; field: string; message: RegExp }) => {
    expect(problems.some((p) => p.file === expected.file && p.field === expected.field && expected.message.test(p.message)), formatProblems(problems).join('\n')).toBe(true);
  };

  it('an unknown field (a typo) in a probe', () => {
    const problems = broken('base/auth/deployment.yaml', '            periodSeconds: 10\n', '            periodSecond: 10\n');
    expectProblem(problems, { file: 'deploy/base/auth/deployment.yaml', field: 'spec.template.spec.containers[0].livenessProbe.periodSecond', message: /does not exist in type 'Probe'/ });
  });

  it('a wrong type: a port number written as a string', () => {
    const problems = broken('base/schemas/deployment.yaml', 'containerPort: 4102', 'containerPort: "4102"');
    expectProblem(problems, { file: 'deploy/base/schemas/deployment.yaml', field: 'spec.template.spec.containers[0].ports[0].containerPort', message: /'string' is not assignable to type 'number'/ });
  });

  it('an apiVersion the API no longer serves', () => {
    const problems = broken('base/gateway/pdb.yaml', 'apiVersion: policy/v1', 'apiVersion: policy/v1beta1');
    expectProblem(problems, { file: 'deploy/base/gateway/pdb.yaml', field: 'kind', message: /no Kubernetes API type PodDisruptionBudget in policy\/v1beta1/ });
  });

  it('a probe on a path the service does not serve', () => {
    const problems = broken('base/catalog/deployment.yaml', 'path: /readyz', 'path: /healthz');
    expectProblem(problems, { file: 'deploy/base/catalog/deployment.yaml', field: 'spec.template.spec.containers[0].readinessProbe.httpGet.path', message: /catalog does not serve \/healthz/ });
  });

  it('a variable a service reads, missing', () => {
    const problems = broken('base/config/services.env', 'OUTBOX_POLL_MS=250\n', '');
    for (const service of subgraphNames) {
      expectProblem(problems, { file: `deploy/base/${service}/deployment.yaml`, field: 'spec.template.spec.containers[0].env', message: new RegExp(`${service} reads OUTBOX_POLL_MS \\(services/${service}/src/env.ts\\) but it is not set`) });
    }
  });

  it('a misspelt variable, set but read by nobody', () => {
    const problems = broken('base/config/services.env', 'OUTBOX_POLL_MS=250', 'OUTBOX_POL_MS=250');
    expectProblem(problems, { file: 'deploy/base/config/services.env', field: 'OUTBOX_POL_MS (line 2)', message: /sets OUTBOX_POL_MS, which auth does not read/ });
  });

  it('a value the service rejects at start', () => {
    const problems = broken('base/config/common.env', 'LOG_LEVEL=info', 'LOG_LEVEL=verbose');
    expectProblem(problems, { file: 'deploy/base/config/common.env', field: 'LOG_LEVEL (line 2)', message: /gateway rejects its environment "verbose": LOG_LEVEL/ });
  });

  it('a credential in a ConfigMap', () => {
    // dev keeps the base NATS_URL (prod sets its own in the overlay).
    const problems = broken('base/config/nats.env', 'NATS_URL=nats://nats', 'NATS_URL=nats://conveyor:hunter2@nats', 'dev');
    expectProblem(problems, { file: 'deploy/base/config/nats.env', field: 'NATS_URL (line 1)', message: /carries a credential/ });
  });

  it('a Secret key the template does not have', () => {
    const problems = broken('base/auth/deployment.yaml', 'key: ADMIN_PASSWORD', 'key: ADMIN_PASSWORT');
    expectProblem(problems, { file: 'deploy/base/auth/deployment.yaml', field: 'spec.template.spec.containers[0].env[2]', message: /key ADMIN_PASSWORT of Secret conveyor-secrets, which has no such key/ });
  });

  it('a grace period shorter than the shutdown timeout', () => {
    const problems = broken('base/config/executions.env', 'SHUTDOWN_TIMEOUT_MS=25000', 'SHUTDOWN_TIMEOUT_MS=60000');
    expectProblem(problems, { file: 'deploy/base/executions/deployment.yaml', field: 'spec.template.spec.terminationGracePeriodSeconds', message: /35 s does not cover preStop 5 s \+ SHUTDOWN_TIMEOUT_MS 60 s/ });
  });

  it('a writable root filesystem', () => {
    const problems = broken('base/gateway/deployment.yaml', 'readOnlyRootFilesystem: true', 'readOnlyRootFilesystem: false');
    expectProblem(problems, { file: 'deploy/base/gateway/deployment.yaml', field: 'spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem', message: /read-only/ });
  });

  it('a NetworkPolicy that lets other namespaces reach the subgraphs', () => {
    const problems = broken('base/network-policies.yaml', '        - podSelector:\n            matchLabels:\n              app.kubernetes.io/name: gateway', '        - namespaceSelector: {}');
    expectProblem(problems, { file: 'deploy/base/network-policies.yaml', field: 'spec.ingress[0].from[0].namespaceSelector', message: /lets pods of other namespaces reach auth; only the gateway may/ });
  });

  it('a gateway subgraph URL on the wrong port', () => {
    const problems = broken('base/config/gateway.env', 'AUTH_URL=http://auth:4101/graphql', 'AUTH_URL=http://auth:4111/graphql');
    expectProblem(problems, { file: 'deploy/base/config/gateway.env', field: 'AUTH_URL (line 3)', message: /Service auth has no port 4111/ });
  });

  it('an autoscaled Deployment that pins its replicas', () => {
    const problems = broken('base/gateway/deployment.yaml', '  # replicas: managed', '  replicas: 3\n  # managed');
    expectProblem(problems, { file: 'deploy/base/gateway/deployment.yaml', field: 'spec.replicas', message: /gateway is autoscaled/ });
  });

  it('a Deployment whose selector does not match its pods', () => {
    const problems = broken('base/scheduler/deployment.yaml', '  selector:\n    matchLabels:\n      app.kubernetes.io/name: scheduler', '  selector:\n    matchLabels:\n      app.kubernetes.io/name: schedular');
    expectProblem(problems, { file: 'deploy/base/scheduler/deployment.yaml', field: 'spec.selector', message: /does not match the pod template's labels/ });
  });

  it('a kustomization that lists a file that is not there', () => {
    const problems = broken('base/kustomization.yaml', '  - auth/pdb.yaml', '  - auth/pdbs.yaml');
    expect(problems).toHaveLength(1);
    expect(problems[0]!.file).toBe('deploy/overlays/prod/kustomization.yaml');
    expect(problems[0]!.message).toMatch(/deploy\/base\/auth\/pdbs\.yaml/);
  });
});
