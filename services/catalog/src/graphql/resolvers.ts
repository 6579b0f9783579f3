import { serviceStatusFieldResolvers, type StatusService, type SubgraphResolvers } from '@conveyor/service-runtime';

export function createResolvers(deps: { status: StatusService }): SubgraphResolvers {
  return {
    Query: {
      catalogStatus: () => deps.status.own(),
      catalogPeerStatus: () => deps.status.ofPeer('auth'),
    },
    ServiceStatus: serviceStatusFieldResolvers,
  };
}
