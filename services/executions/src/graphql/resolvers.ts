import { serviceStatusFieldResolvers, type StatusService, type SubgraphResolvers } from '@conveyor/service-runtime';

export function createResolvers(deps: { status: StatusService }): SubgraphResolvers {
  return {
    Query: {
      executionsStatus: () => deps.status.own(),
      executionsPeerStatus: () => deps.status.ofPeer('scheduler'),
    },
    ServiceStatus: serviceStatusFieldResolvers,
  };
}
