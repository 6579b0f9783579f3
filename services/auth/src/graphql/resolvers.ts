import { serviceStatusFieldResolvers, type StatusService, type SubgraphResolvers } from '@conveyor/service-runtime';

export function createResolvers(deps: { status: StatusService }): SubgraphResolvers {
  return {
    Query: {
      authStatus: () => deps.status.own(),
      authPeerStatus: () => deps.status.ofPeer('schemas'),
    },
    ServiceStatus: serviceStatusFieldResolvers,
  };
}
