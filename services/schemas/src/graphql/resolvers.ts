import { serviceStatusFieldResolvers, type StatusService, type SubgraphResolvers } from '@conveyor/service-runtime';

export function createResolvers(deps: { status: StatusService }): SubgraphResolvers {
  return {
    Query: {
      schemasStatus: () => deps.status.own(),
      schemasPeerStatus: () => deps.status.ofPeer('executions'),
    },
    ServiceStatus: serviceStatusFieldResolvers,
  };
}
