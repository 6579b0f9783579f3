/**
 * Writes gateway/supergraph.graphql from the subgraphs' SDL. With `--check`, writes nothing and
 * exits 1 when the committed file is stale or composition fails (the test command runs this).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { composeSupergraph, supergraphPath } from '../src/compose';

const check = process.argv.includes('--check');
let composed: string;
try {
  composed = composeSupergraph();
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
if (check) {
  const committed = existsSync(supergraphPath) ? readFileSync(supergraphPath, 'utf8') : '';
  if (committed !== composed) {
    console.error('gateway/supergraph.graphql is stale: run `npm run compose` and commit the result');
    process.exit(1);
  }
  console.log('supergraph is up to date');
} else {
  writeFileSync(supergraphPath, composed);
  console.log(`wrote ${supergraphPath}`);
}
