import type { NodeDescriptorJson, SchemaEdgeJson, SchemaNodeJson } from '@conveyor/contracts';
import { ValidationError } from '@conveyor/errors';
import { checkDefinition, parseDefinitionShape } from './check-definition';
import type { DefinitionLimits } from './definition-shape';

/** Where node-type descriptors come from (the catalog over NATS, cached). */
export interface NodeTypeSource {
  /** The descriptors of the known ones among `types`; unknown types are absent from the map. */
  describe(types: string[]): Promise<ReadonlyMap<string, NodeDescriptorJson>>;
}

/**
 * Validates a whole definition and returns it normalized, or throws one `VALIDATION_ERROR` whose
 * `details.issues` lists every problem with its JSON pointer. Shape problems are reported alone
 * (the graph checks need a well-shaped graph).
 */
export async function validateDefinition(
  raw: { nodes: unknown; edges: unknown },
  deps: { limits: DefinitionLimits; nodeTypes: NodeTypeSource },
): Promise<{ nodes: SchemaNodeJson[]; edges: SchemaEdgeJson[] }> {
  const shaped = parseDefinitionShape(raw, deps.limits);
  if (shaped.problems.length > 0) throw invalid(shaped.problems);
  const descriptors = await deps.nodeTypes.describe([...new Set(shaped.nodes.map((node) => node.type))]);
  const checked = checkDefinition(shaped.nodes, shaped.edges, descriptors, deps.limits);
  if (checked.problems.length > 0) throw invalid(checked.problems);
  return { nodes: checked.nodes, edges: checked.edges };
}

function invalid(issues: Array<{ path: string; message: string }>): ValidationError {
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return new ValidationError(`The schema definition is invalid: ${first.path} ${first.message}${more}`, { details: { issues } });
}
