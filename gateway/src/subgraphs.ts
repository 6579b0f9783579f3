import type { ServiceName } from '@conveyor/contracts';
import type { GatewayEnv } from './env';

/** The federated subgraphs, in composition order, with where their SDL lives in the repository. */
export const subgraphs: ReadonlyArray<{ name: ServiceName; sdlPath: string; defaultUrl: string }> = [
  { name: 'auth', sdlPath: 'services/auth/src/graphql/schema.graphql', defaultUrl: 'http://127.0.0.1:4101/graphql' },
  { name: 'schemas', sdlPath: 'services/schemas/src/graphql/schema.graphql', defaultUrl: 'http://127.0.0.1:4102/graphql' },
  { name: 'executions', sdlPath: 'services/executions/src/graphql/schema.graphql', defaultUrl: 'http://127.0.0.1:4103/graphql' },
  { name: 'scheduler', sdlPath: 'services/scheduler/src/graphql/schema.graphql', defaultUrl: 'http://127.0.0.1:4104/graphql' },
  { name: 'catalog', sdlPath: 'services/catalog/src/graphql/schema.graphql', defaultUrl: 'http://127.0.0.1:4105/graphql' },
];

export function subgraphUrls(env: GatewayEnv): Record<ServiceName, string> {
  return {
    auth: env.AUTH_URL,
    schemas: env.SCHEMAS_URL,
    executions: env.EXECUTIONS_URL,
    scheduler: env.SCHEDULER_URL,
    catalog: env.CATALOG_URL,
  };
}
