import { parseEnv, serviceEnvShape } from '@conveyor/service-runtime';
import { z } from 'zod';

/** Every variable the schemas service reads (the deploy checks compare this with compose and the manifests). */
export const envShape = {
  ...serviceEnvShape(4102),
  /** Most nodes one schema may have. */
  SCHEMAS_MAX_NODES: z.coerce.number().int().positive().max(10_000).default(500),
  /** Most edges one schema may have. */
  SCHEMAS_MAX_EDGES: z.coerce.number().int().positive().max(50_000).default(2_000),
  /** Largest config of one node, as JSON bytes. */
  SCHEMAS_MAX_CONFIG_BYTES: z.coerce.number().int().positive().default(65_536),
  /** How long node-type descriptors fetched from the catalog are reused. */
  NODE_TYPES_CACHE_MS: z.coerce.number().int().min(0).default(60_000),
};

export const loadEnv = (source: Record<string, string | undefined> = process.env) => parseEnv(envShape, source);
