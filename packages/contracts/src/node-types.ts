import { z } from 'zod';
import { defineRequest } from './requests';

/**
 * The catalog's node-type descriptors on the wire: the `NodeDescriptor` of `@conveyor/nodes`
 * as JSON (no functions). The schemas service validates workflow definitions against these.
 */
export const nodeCategories = ['trigger', 'logic', 'data', 'action', 'flow', 'integration'] as const;

export const nodeDescriptorSchema = z.object({
  type: z.string().min(1),
  version: z.number().int().positive(),
  category: z.enum(nodeCategories),
  title: z.string(),
  description: z.string(),
  configSchema: z.record(z.string(), z.unknown()),
  inputs: z.array(z.string()),
  outputs: z.array(z.string()),
  portsFromConfig: z.string().optional(),
  retry: z.object({ attempts: z.number().int().positive(), backoffMs: z.number().int().nonnegative(), maxBackoffMs: z.number().int().nonnegative() }),
  timeoutMs: z.number().int().positive(),
});
export type NodeDescriptorJson = z.infer<typeof nodeDescriptorSchema>;

/**
 * `<prefix>.catalog.node-types`: the descriptors of the named types (all when `types` is absent).
 * Unknown names are simply missing from the answer, so one round trip checks a whole graph.
 */
export const nodeTypesRequest = defineRequest({
  verb: 'node-types',
  request: z.object({ types: z.array(z.string().min(1).max(200)).max(1_000).optional() }).strict(),
  response: z.object({ node_types: z.array(nodeDescriptorSchema) }),
});
