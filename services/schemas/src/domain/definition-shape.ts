import { schemaStatuses, unstorableText } from '@conveyor/contracts';
import { z } from 'zod';

/** Limits on one definition, from the environment (documented in docs/schemas.md). */
export interface DefinitionLimits {
  maxNodes: number;
  maxEdges: number;
  maxConfigBytes: number;
}

/** Node ids appear in URLs (`/webhook/:schema_id/:step_id`) and logs: keep them plain. */
export const nodeIdPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;

/**
 * The shape of nodes and edges as a client sends them. Unknown fields are refused (`strict`);
 * ports and edge ids may be left out and are filled in by `validateDefinition`.
 */
export function definitionShape(limits: DefinitionLimits) {
  // Built once per set of limits: zod compiles an object schema on first use, which cost about
  // 3 ms per save when the schemas were rebuilt every time (bench/schemas).
  const key = `${limits.maxNodes}/${limits.maxEdges}`;
  let shape = shapes.get(key);
  if (!shape) {
    shape = buildDefinitionShape(limits);
    shapes.set(key, shape);
  }
  return shape;
}

const shapes = new Map<string, ReturnType<typeof buildDefinitionShape>>();

function buildDefinitionShape(limits: DefinitionLimits) {
  const node = z
    .object({
      id: z.string().regex(nodeIdPattern, 'letters, digits, _ . - (up to 100, not starting with . or -)'),
      type: z.string().min(1).max(200),
      name: z.string().max(200).optional(),
      config: z.record(z.string(), z.unknown()).default({}),
      position: z.object({ x: z.number().finite(), y: z.number().finite() }).strict().optional(),
    })
    .strict();
  const edge = z
    .object({
      // Generated ids look like `a:out->b:in`; any short string will do.
      id: z.string().min(1).max(300).optional(),
      source: z.string().min(1).max(100),
      source_port: z.string().min(1).max(64).optional(),
      target: z.string().min(1).max(100),
      target_port: z.string().min(1).max(64).optional(),
    })
    .strict();
  return {
    nodes: z.array(node).max(limits.maxNodes, `at most ${limits.maxNodes} nodes`),
    edges: z.array(edge).max(limits.maxEdges, `at most ${limits.maxEdges} edges`),
  };
}

export type NodeInput = z.output<ReturnType<typeof definitionShape>['nodes']>[number];
export type EdgeInput = z.output<ReturnType<typeof definitionShape>['edges']>[number];

const storable = (text: string) => unstorableText(text) === null;
export const schemaNameShape = z.string().trim().min(1, 'must not be empty').max(200).refine(storable, 'must not contain NUL characters or lone surrogates');
export const schemaDescriptionShape = z.string().max(5_000).refine(storable, 'must not contain NUL characters or lone surrogates');
export const schemaStatusShape = z.enum(schemaStatuses);
