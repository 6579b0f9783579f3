/**
 * Runs every Kubernetes check over a deploy tree (the real `deploy/`, or a broken copy in a test):
 * each overlay is built with kustomize, validated against the API types together with the Secret
 * template, then checked for environment, probes, hardening, scaling and network isolation.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkKubernetesApiTypes } from './kubernetes-api-types';
import { checkKubernetesWorkloads } from './kubernetes-checks';
import { checkNetworkPolicies } from './network-policy-checks';
import type { Problem } from './problems';
import { overlaysOf, readResourceFile, renderOverlay, type RenderedResource } from './render-kustomize';

export const secretTemplatePath = join('base', 'secret.template.yaml');

export function checkOverlay(deployRoot: string, overlay: string, displayRoot = 'deploy'): { problems: Problem[]; resources: RenderedResource[] } {
  const rendered = renderOverlay(deployRoot, overlay, displayRoot);
  if (!rendered.ok) return { problems: rendered.problems, resources: [] };
  const templatePath = join(deployRoot, secretTemplatePath);
  const secretTemplates = existsSync(templatePath) ? readResourceFile(templatePath, join(displayRoot, secretTemplatePath)) : [];
  const context = { overlay, resources: rendered.resources, secretTemplates, deployRoot, displayRoot };
  return {
    problems: [
      ...checkKubernetesApiTypes([...rendered.resources, ...secretTemplates], `[${overlay}]`),
      ...checkKubernetesWorkloads(context),
      ...checkNetworkPolicies(context),
    ],
    resources: rendered.resources,
  };
}

export const overlaysOfTree = overlaysOf;

/** A scratch copy of a directory to break on purpose; `edit` fails if the text to replace is absent. */
export function scratchCopy(source: string): { root: string; edit(path: string, from: string, to: string): void; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'conveyor-broken-'));
  cpSync(source, root, { recursive: true });
  return {
    root,
    edit(path, from, to) {
      const file = join(root, path);
      const text = readFileSync(file, 'utf8');
      if (!text.includes(from)) throw new Error(`${path} does not contain ${JSON.stringify(from)}: the test no longer breaks anything`);
      writeFileSync(file, text.replace(from, to));
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
