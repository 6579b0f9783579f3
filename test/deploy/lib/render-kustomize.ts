/**
 * Builds a kustomize overlay with `kubectl kustomize` (offline: the manifests have no remote
 * bases) and tells, for every rendered resource, which file of deploy/ it came from. The build
 * runs on a scratch copy whose kustomization files ask for kustomize's origin annotations; the
 * annotations are removed from the result, so the checks see what `kubectl apply -k` would send.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import type { Problem } from './problems';

export const kubectl = process.env.KUBECTL ?? 'kubectl';

/** A resource as rendered, with the deploy/ file that declared it. */
export interface RenderedResource {
  /** The object, annotations of the build removed. */
  object: KubernetesObject;
  /** `deploy/base/auth/deployment.yaml`, or for generated objects the kustomization.yaml. */
  file: string;
  /** What made it, when not a plain file: `configMapGenerator`, `secretGenerator`. */
  generator?: string;
}

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export type RenderResult = { ok: true; resources: RenderedResource[] } | { ok: false; problems: Problem[] };

const originAnnotation = 'config.kubernetes.io/origin';

function kustomizationFiles(root: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(root)) {
    const path = join(root, entry);
    if (statSync(path).isDirectory()) found.push(...kustomizationFiles(path));
    else if (entry === 'kustomization.yaml' || entry === 'kustomization.yml') found.push(path);
  }
  return found;
}

/**
 * Renders `<deployRoot>/overlays/<overlay>`. `displayRoot` is how deployRoot is named in messages
 * (`deploy` for the real tree, so that a failure reads `deploy/base/auth/deployment.yaml`).
 */
export function renderOverlay(deployRoot: string, overlay: string, displayRoot = 'deploy'): RenderResult {
  const scratch = mkdtempSync(join(tmpdir(), 'conveyor-kustomize-'));
  try {
    cpSync(deployRoot, scratch, { recursive: true });
    for (const file of kustomizationFiles(scratch)) {
      const document = parse(readFileSync(file, 'utf8')) as Record<string, unknown> | null;
      if (document && typeof document === 'object' && !('buildMetadata' in document)) {
        writeFileSync(file, `${readFileSync(file, 'utf8')}\nbuildMetadata: [originAnnotations]\n`);
      }
    }
    const overlayDir = join(scratch, 'overlays', overlay);
    const display = (path: string) => join(displayRoot, relative(scratch, path));
    let output: string;
    try {
      output = execFileSync(kubectl, ['kustomize', overlayDir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const stderr = String((error as { stderr?: string }).stderr ?? (error as Error).message);
      const message = stderr.split(scratch).join(displayRoot).trim();
      return { ok: false, problems: [{ file: join(displayRoot, 'overlays', overlay, 'kustomization.yaml'), field: 'kubectl kustomize', message }] };
    }
    const resources: RenderedResource[] = [];
    for (const document of parseAllDocuments(output)) {
      const object = document.toJS() as KubernetesObject | null;
      if (!object) continue;
      const origin = object.metadata?.annotations?.[originAnnotation];
      let file = join(displayRoot, 'overlays', overlay, 'kustomization.yaml');
      let generator: string | undefined;
      if (origin) {
        const parsed = parse(origin) as { path?: string; configuredIn?: string; configuredBy?: { kind?: string } };
        if (parsed.path) file = display(resolve(overlayDir, parsed.path));
        else if (parsed.configuredIn) {
          file = display(resolve(overlayDir, parsed.configuredIn));
          generator = parsed.configuredBy?.kind === 'SecretGenerator' ? 'secretGenerator' : 'configMapGenerator';
        }
        delete object.metadata.annotations![originAnnotation];
        if (Object.keys(object.metadata.annotations!).length === 0) delete object.metadata.annotations;
      }
      resources.push({ object, file, ...(generator ? { generator } : {}) });
    }
    return { ok: true, resources };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The overlays of a deploy tree (`deploy/overlays/*`). */
export const overlaysOf = (deployRoot: string): string[] =>
  readdirSync(join(deployRoot, 'overlays')).filter((entry) => statSync(join(deployRoot, 'overlays', entry)).isDirectory()).sort();

/** Reads a YAML file of plain resources (the Secret template), with its display path. */
export function readResourceFile(path: string, displayPath: string): RenderedResource[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((document) => document.toJS() as KubernetesObject | null)
    .filter((object): object is KubernetesObject => object !== null)
    .map((object) => ({ object, file: displayPath }));
}

export const parentOf = dirname;
