import { nodeTypesRequest } from '@conveyor/contracts';
import { serveRequests, type Logger, type ServiceRuntime } from '@conveyor/service-runtime';
import type { NodeTypeCatalog } from '../domain/node-type-catalog';

/** Answers `<prefix>.catalog.node-types` in the catalog's queue group. */
export function serveNodeTypes(deps: { nc: ServiceRuntime<never>['nc']; subject: string; logger: Logger; catalog: NodeTypeCatalog }): ReturnType<typeof serveRequests> {
  return serveRequests({
    nc: deps.nc,
    subject: deps.subject,
    queue: 'catalog',
    contract: nodeTypesRequest,
    logger: deps.logger,
    handle: async ({ types }) => ({ node_types: deps.catalog.pick(types) }),
  });
}
