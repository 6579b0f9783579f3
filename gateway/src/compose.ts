import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { subgraphs } from './subgraphs';

export const repositoryRoot = join(import.meta.dirname, '..', '..');
export const supergraphPath = join(repositoryRoot, 'gateway', 'supergraph.graphql');

/** Composes the supergraph from the subgraphs' committed SDL; throws with every composition error. */
export function composeSupergraph(): string {
  const result = composeServices(
    subgraphs.map((subgraph) => ({
      name: subgraph.name,
      url: subgraph.defaultUrl,
      typeDefs: parse(readFileSync(join(repositoryRoot, subgraph.sdlPath), 'utf8')),
    })),
  );
  if (result.errors) {
    throw new Error(`supergraph composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  }
  return `${result.supergraphSdl.trimEnd()}\n`;
}
