import type { NodeDescriptorJson, SchemaEdgeJson, SchemaNodeJson } from '@conveyor/contracts';
import { ValidationError } from '@conveyor/errors';
import { checkDefinition, parseDefinitionShape } from './check-definition';
import type { DefinitionLimits } from './definition-shape';

/** Where node-type descriptors come from (the catalog over NATS, cached). */
export interface NodeTypeSource {
  /** The descriptors of the known ones among `types`; unknown types are absent from the map. */
  describe(types: string[]): Promise<ReadonlyMap<string, NodeDescriptorJson>>;
}

/** Which schemas a `subflow` node may start: live schemas of the caller's tenant. */
export interface SubflowTargets {
  existing(schemaIds: string[]): Promise<ReadonlySet<string>>;
}

/**
 * Validates a whole definition and returns it normalized, or throws one `VALIDATION_ERROR` whose
 * `details.issues` lists every problem with its JSON pointer. Shape problems are reported alone
 * (the graph checks need a well-shaped graph).
 */
export async function validateDefinition(
  raw: { nodes: unknown; edges: unknown },
  deps: { limits: DefinitionLimits; nodeTypes: NodeTypeSource; subflowTargets?: SubflowTargets },
): Promise<{ nodes: SchemaNodeJson[]; edges: SchemaEdgeJson[] }> {
  const shaped = parseDefinitionShape(raw, deps.limits);
  if (shaped.problems.length > 0) throw invalid(shaped.problems);
  const descriptors = await deps.nodeTypes.describe([...new Set(shaped.nodes.map((node) => node.type))]);
  const checked = checkDefinition(shaped.nodes, shaped.edges, descriptors, deps.limits);
  if (deps.subflowTargets) checked.problems.push(...(await missingSubflowTargets(checked.nodes, deps.subflowTargets)));
  if (checked.problems.length > 0) throw invalid(checked.problems);
  return { nodes: checked.nodes, edges: checked.edges };
}

function invalid(issues: Array<{ path: string; message: string }>): ValidationError {
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return new ValidationError(`The schema definition is invalid: ${first.path} ${first.message}${more}`, { details: { issues } });
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A subflow must name a live schema of the tenant (its own schema included: recursion is allowed). */
async function missingSubflowTargets(nodes: SchemaNodeJson[], targets: SubflowTargets): Promise<Array<{ path: string; message: string }>> {
  const wanted = nodes.flatMap((node, i) =>
    node.type === 'subflow' && typeof node.config.schemaId === 'string' && uuidPattern.test(node.config.schemaId) ? [{ i, id: node.config.schemaId }] : [],
  );
  if (wanted.length === 0) return [];
  const existing = await targets.existing([...new Set(wanted.map((w) => w.id.toLowerCase()))]);
  return wanted
    .filter((w) => !existing.has(w.id.toLowerCase()))
    .map((w) => ({ path: `/nodes/${w.i}/config/schemaId`, message: `no schema ${w.id} in this tenant` }));
}
