import { requireIdentity, requirePermission } from '@conveyor/identity';
import { serviceStatusFieldResolvers, type RequestContext, type StatusService, type SubgraphResolvers } from '@conveyor/service-runtime';
import type { NodeTypeCatalog } from '../domain/node-type-catalog';

export function createResolvers(deps: { status: StatusService; nodeTypes: NodeTypeCatalog }): SubgraphResolvers {
  return {
    Query: {
      catalogStatus: () => deps.status.own(),
      catalogPeerStatus: () => deps.status.ofPeer('auth'),
      nodeTypes: (_: unknown, args: { category?: string | null }, context: RequestContext) => {
        requirePermission(requireIdentity(context), 'workflow:read');
        return deps.nodeTypes.list({ category: args.category ?? null });
      },
      nodeType: (_: unknown, args: { type: string }, context: RequestContext) => {
        requirePermission(requireIdentity(context), 'workflow:read');
        return deps.nodeTypes.get(args.type);
      },
    },
    NodeType: {
      __resolveReference: (reference: { type: string }) => deps.nodeTypes.get(reference.type),
    },
    ServiceStatus: serviceStatusFieldResolvers,
  };
}
