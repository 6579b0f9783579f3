import { z } from 'zod';
import { defineRoute, type RestRoute } from '../route-table';

const nodeTypeFields = 'type version category title description configSchema inputs outputs portsFromConfig retry { attempts backoffMs maxBackoffMs } timeoutMs';

interface NodeTypeData {
  type: string;
  version: number;
  category: string;
  title: string;
  description: string;
  configSchema: Record<string, unknown>;
  inputs: string[];
  outputs: string[];
  portsFromConfig: string | null;
  retry: { attempts: number; backoffMs: number; maxBackoffMs: number };
  timeoutMs: number;
}

const categories = ['trigger', 'logic', 'data', 'action', 'flow', 'integration'] as const;

const nodeTypeBody = z.object({
  type: z.string(),
  version: z.number().int(),
  category: z.enum(categories),
  title: z.string(),
  description: z.string(),
  config_schema: z.record(z.string(), z.unknown()),
  inputs: z.array(z.string()),
  outputs: z.array(z.string()),
  ports_from_config: z.string().nullable(),
  retry: z.object({ attempts: z.number().int(), backoff_ms: z.number().int(), max_backoff_ms: z.number().int() }),
  timeout_ms: z.number().int(),
});

const toNodeTypeBody = (d: NodeTypeData): z.infer<typeof nodeTypeBody> => ({
  type: d.type,
  version: d.version,
  category: d.category as (typeof categories)[number],
  title: d.title,
  description: d.description,
  config_schema: d.configSchema,
  inputs: d.inputs,
  outputs: d.outputs,
  ports_from_config: d.portsFromConfig,
  retry: { attempts: d.retry.attempts, backoff_ms: d.retry.backoffMs, max_backoff_ms: d.retry.maxBackoffMs },
  timeout_ms: d.timeoutMs,
});

const listQuery = z
  .object({
    category: z.enum(categories).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(100),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();

/** `000_*.txt` 4.4: the node types a schema may use, served by the catalog. */
export const nodeTypeRoutes: RestRoute[] = [
  defineRoute({
    operationId: 'listNodeTypes',
    method: 'GET',
    path: '/api/node-types',
    summary: 'List the available node types (optionally of one category)',
    tag: 'node-types',
    query: listQuery,
    operation: `query NodeTypes($category: NodeCategory) { nodeTypes(category: $category) { ${nodeTypeFields} } }`,
    variables: ({ query }) => ({ category: query.category ?? null }),
    status: 200,
    respond: (data, { query }) => {
      const all = data.nodeTypes as NodeTypeData[];
      return { items: all.slice(query.offset, query.offset + query.limit).map(toNodeTypeBody), total: all.length, limit: query.limit, offset: query.offset };
    },
    response: z.object({ items: z.array(nodeTypeBody), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }),
  }),
  defineRoute({
    operationId: 'getNodeType',
    method: 'GET',
    path: '/api/node-types/:type',
    summary: 'Describe one node type (404 when it does not exist)',
    tag: 'node-types',
    params: z.object({ type: z.string().min(1).max(200) }),
    operation: `query NodeType($type: String!) { nodeType(type: $type) { ${nodeTypeFields} } }`,
    variables: ({ params }) => ({ type: params.type }),
    status: 200,
    respond: (data) => toNodeTypeBody(data.nodeType as NodeTypeData),
    response: nodeTypeBody,
  }),
];
