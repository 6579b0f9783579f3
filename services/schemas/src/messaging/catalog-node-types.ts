import { nodeTypesRequest, type NodeDescriptorJson } from '@conveyor/contracts';
import { requestOverNats, type ServiceRuntime } from '@conveyor/service-runtime';
import type { NodeTypeSource } from '../domain/validate-definition';

/**
 * Node types asked of the catalog over NATS, cached for `cacheMs`. Descriptors change only when
 * the platform is redeployed, so a minute of staleness costs nothing and saves a round trip per
 * save (about 1 ms locally). Types the catalog does not know are not cached: a schema naming one
 * is refused anyway, and a newly deployed type is seen at once. One request asks for every
 * uncached type of a graph.
 */
export function createCatalogNodeTypes(deps: { nc: ServiceRuntime<never>['nc']; subject: string; cacheMs: number; timeoutMs?: number }): NodeTypeSource {
  const cache = new Map<string, { descriptor: NodeDescriptorJson; expiresAt: number }>();
  return {
    async describe(types) {
      const now = Date.now();
      const found = new Map<string, NodeDescriptorJson>();
      const missing: string[] = [];
      for (const type of types) {
        const cached = cache.get(type);
        if (cached && cached.expiresAt > now) found.set(type, cached.descriptor);
        else missing.push(type);
      }
      if (missing.length > 0) {
        const answer = await requestOverNats({ nc: deps.nc, subject: deps.subject, contract: nodeTypesRequest, payload: { types: missing }, timeoutMs: deps.timeoutMs ?? 3_000 });
        for (const descriptor of answer.node_types) {
          found.set(descriptor.type, descriptor);
          cache.set(descriptor.type, { descriptor, expiresAt: now + deps.cacheMs });
        }
      }
      return found;
    },
  };
}
