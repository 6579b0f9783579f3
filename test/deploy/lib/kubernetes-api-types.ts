/**
 * Validates rendered resources against the Kubernetes API types, offline: each resource becomes
 * an object literal typed with its `kubernetes-types` interface (`const r: Deployment = {...}`)
 * and the TypeScript compiler checks it. Excess-property checks catch an unknown field at any
 * depth (a typo such as `intialDelaySeconds`), assignability catches a wrong type
 * (`containerPort: "4000"`), literal apiVersion types catch a wrong apiVersion/kind pair.
 * Each diagnostic is mapped back to the line's field path and the deploy/ file of the resource.
 *
 * Stricter than the API server in one place: `Quantity` is typed as a string, so write
 * `cpu: "1"`, not `cpu: 1`.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { fieldPath, type Problem } from './problems';
import type { RenderedResource } from './render-kustomize';

const repositoryRoot = join(import.meta.dirname, '..', '..', '..');
const virtualFile = join(repositoryRoot, 'test', 'deploy', '__rendered_manifests__.ts');

/** `apps/v1` → `kubernetes-types/apps/v1`; `networking.k8s.io/v1` → `kubernetes-types/networking/v1`. */
function typesModule(apiVersion: string): string {
  const parts = apiVersion.split('/');
  if (parts.length === 1) return `kubernetes-types/core/${parts[0]}`;
  const group = parts[0]!.replace(/\.k8s\.io$/, '').split('.')[0]!;
  return `kubernetes-types/${group}/${parts[1]}`;
}

interface Emitted {
  source: string;
  /** Per line of `source`: the resource index and the field path on that line. */
  lines: Array<{ resource: number; path: string } | undefined>;
}

function emit(resources: readonly RenderedResource[]): Emitted {
  const out: string[] = [];
  const lines: Emitted['lines'] = [];
  const push = (text: string, at?: { resource: number; path: string }) => {
    out.push(text);
    lines.push(at);
  };
  resources.forEach((resource, index) => {
    const { apiVersion, kind } = resource.object;
    push(`import type { ${kind} as Resource${index} } from ${JSON.stringify(typesModule(String(apiVersion)))};`, { resource: index, path: 'kind' });
  });
  resources.forEach((resource, index) => {
    const value = (segments: Array<string | number>, data: unknown, head: string, depth: number) => {
      const indent = '  '.repeat(depth);
      const at = { resource: index, path: fieldPath(segments) };
      if (Array.isArray(data)) {
        push(`${indent}${head}[`, at);
        data.forEach((item, i) => value([...segments, i], item, '', depth + 1));
        push(`${indent}],`, at);
      } else if (data !== null && typeof data === 'object') {
        push(`${indent}${head}{`, at);
        for (const [key, child] of Object.entries(data)) value([...segments, key], child, `${JSON.stringify(key)}: `, depth + 1);
        push(`${indent}},`, at);
      } else {
        push(`${indent}${head}${JSON.stringify(data)},`, at);
      }
    };
    push(`export const resource${index}: Resource${index} = {`, { resource: index, path: '' });
    for (const [key, child] of Object.entries(resource.object)) value([key], child, `${JSON.stringify(key)}: `, 1);
    push('};', { resource: index, path: '' });
  });
  return { source: out.join('\n'), lines };
}

const options: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  types: [],
  lib: ['lib.es2022.d.ts'],
};

/** Declaration files (TypeScript's lib, kubernetes-types) parsed once per test process. */
const declarationFiles = new Map<string, ts.SourceFile | undefined>();

/** Type-checks the resources; one problem per diagnostic, naming file, kind/name and field. */
export function checkKubernetesApiTypes(resources: readonly RenderedResource[], context: string): Problem[] {
  const { source, lines } = emit(resources);
  const host = ts.createCompilerHost(options, true);
  const sourceFile = ts.createSourceFile(virtualFile, source, ts.ScriptTarget.ES2022, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (fileName === virtualFile) return sourceFile;
    if (!declarationFiles.has(fileName)) declarationFiles.set(fileName, getSourceFile(fileName, languageVersion, onError, shouldCreate));
    return declarationFiles.get(fileName);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => fileName === virtualFile || fileExists(fileName);
  const program = ts.createProgram([virtualFile], options, host);
  const diagnostics = [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)];
  return diagnostics.map((diagnostic) => {
    const line = diagnostic.start === undefined ? -1 : sourceFile.getLineAndCharacterOfPosition(diagnostic.start).line;
    const at = lines[line];
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ').replace(/Resource\d+/g, 'the API type');
    if (!at) return { file: context, field: '?', message };
    const resource = resources[at.resource]!;
    const name = `${resource.object.kind}/${resource.object.metadata?.name}`;
    if (line < resources.length) {
      return { file: resource.file, field: 'kind', message: `${context}: ${name}: no Kubernetes API type ${resource.object.kind} in ${resource.object.apiVersion} (${message})` };
    }
    return { file: resource.file, field: at.path || '(resource)', message: `${context}: ${name}: ${message}` };
  });
}
