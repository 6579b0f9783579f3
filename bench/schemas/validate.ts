/**
 * bench/schemas: cost of validating a definition in the schemas service (shape, config JSON
 * Schemas with JSONata compiled, ports, cycles, reachability), without the NATS round trip, for
 * graphs of 10, 100 and 500 nodes (the default limit). Prints a table and writes
 * bench/schemas/results/latest.json.
 *
 *   node --import tsx bench/schemas/validate.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeDescriptorJson } from '@conveyor/contracts';
import { nodeDescriptors } from '@conveyor/nodes';
import { checkDefinition, parseDefinitionShape } from '../../services/schemas/src/domain/check-definition';

const descriptors = new Map(nodeDescriptors.map((d) => [d.type, JSON.parse(JSON.stringify(d)) as NodeDescriptorJson]));
const limits = { maxNodes: 500, maxEdges: 2_000, maxConfigBytes: 65_536 };

/** A chain of mixed nodes after one trigger, each with a fresh JSONata expression (no compile cache hits). */
function graph(size: number, salt: number) {
  const nodes: unknown[] = [{ id: 't', type: 'trigger.webhook' }];
  const edges: unknown[] = [];
  for (let i = 1; i < size; i++) {
    const kind = i % 4;
    const node =
      kind === 0
        ? { id: `n${i}`, type: 'transform', config: { expression: `{"v${salt}": a.b[${i}] + ${i}}` } }
        : kind === 1
          ? { id: `n${i}`, type: 'set', config: { values: { [`f${i}`]: `$sum(items.price) * ${salt + i}` } } }
          : kind === 2
            ? { id: `n${i}`, type: 'http.request', config: { url: `https://example.com/${i}`, method: 'POST', headers: { 'x-n': String(i) } } }
            : { id: `n${i}`, type: 'log', config: { message: `step ${i}` } };
    nodes.push(node);
    edges.push({ source: i === 1 ? 't' : `n${i - 1}`, target: `n${i}` });
  }
  return { nodes, edges };
}

const rows: Array<{ case: string; nodes: number; runs: number; ms_per_validation: number; validations_per_s: number }> = [];
let salt = 0;
for (const size of [10, 100, 500]) {
  for (let warm = 0; warm < 3; warm++) checkDefinition(...shape(graph(size, salt++)), descriptors, limits);
  const runs = size === 500 ? 30 : 200;
  const inputs = Array.from({ length: runs }, () => graph(size, salt++));
  const started = performance.now();
  for (const input of inputs) {
    const result = checkDefinition(...shape(input), descriptors, limits);
    if (result.problems.length > 0) throw new Error(JSON.stringify(result.problems.slice(0, 3)));
  }
  const ms = (performance.now() - started) / runs;
  rows.push({ case: 'new expressions', nodes: size, runs, ms_per_validation: Number(ms.toFixed(3)), validations_per_s: Math.round(1000 / ms) });
  // An update re-validates the whole graph: the same expressions again.
  const again = performance.now();
  for (const input of inputs) checkDefinition(...shape(input), descriptors, limits);
  const msAgain = (performance.now() - again) / runs;
  rows.push({ case: 're-saved graph', nodes: size, runs, ms_per_validation: Number(msAgain.toFixed(3)), validations_per_s: Math.round(1000 / msAgain) });
}

function shape(input: { nodes: unknown; edges: unknown }) {
  const parsed = parseDefinitionShape(input, limits);
  return [parsed.nodes, parsed.edges] as const;
}

console.table(rows);
const out = join(import.meta.dirname, 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'latest.json'), `${JSON.stringify({ at: new Date().toISOString(), rows }, null, 2)}\n`);
