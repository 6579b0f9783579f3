import { serviceStatusFieldResolvers, type StatusService, type SubgraphResolvers } from '@conveyor/service-runtime';

export function createResolvers(deps: { status: StatusService }): SubgraphResolvers {
  return {
    Query: {
      schedulerStatus: () => deps.status.own(),
      schedulerPeerStatus: () => deps.status.ofPeer('catalog'),
    },
    ServiceStatus: serviceStatusFieldResolvers,
  };
}
