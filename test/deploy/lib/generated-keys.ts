/**
 * Finds where a key of a generated ConfigMap or Secret is written: the `envs:` file line or the
 * `literals:` entry of a configMapGenerator/secretGenerator in the base or the overlay (the
 * overlay's, when both, as `behavior: merge` lets it win). Used to name the file to edit.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';

interface Generator {
  name?: string;
  envs?: string[];
  literals?: string[];
}

export interface KeyLocation {
  file: string;
  field: string;
}

/** `conveyor-services-mbh8fh546d` → `conveyor-services`. */
export const generatedBaseName = (name: string): string => name.replace(/-[a-z0-9]{10}$/, '');

export function locateGeneratedKey(options: {
  deployRoot: string;
  displayRoot: string;
  overlay: string;
  kind: 'ConfigMap' | 'Secret';
  name: string;
  key: string;
}): KeyLocation | undefined {
  const section = options.kind === 'ConfigMap' ? 'configMapGenerator' : 'secretGenerator';
  const base = generatedBaseName(options.name);
  let found: KeyLocation | undefined;
  for (const folder of ['base', join('overlays', options.overlay)]) {
    const kustomization = join(options.deployRoot, folder, 'kustomization.yaml');
    if (!existsSync(kustomization)) continue;
    const document = (parse(readFileSync(kustomization, 'utf8')) ?? {}) as Record<string, Generator[] | undefined>;
    (document[section] ?? []).forEach((generator, index) => {
      if (generator.name !== base) return;
      for (const envs of generator.envs ?? []) {
        const path = join(dirname(kustomization), envs);
        if (!existsSync(path)) continue;
        const lines = readFileSync(path, 'utf8').split('\n');
        const line = lines.findIndex((text) => text.trim().startsWith(`${options.key}=`));
        if (line >= 0) found = { file: join(options.displayRoot, folder, envs), field: `${options.key} (line ${line + 1})` };
      }
      const literal = (generator.literals ?? []).findIndex((text) => text.startsWith(`${options.key}=`));
      if (literal >= 0) found = { file: join(options.displayRoot, folder, 'kustomization.yaml'), field: `${section}[${index}].literals[${literal}]` };
    });
  }
  return found;
}
