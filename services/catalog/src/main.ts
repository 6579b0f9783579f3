import { readFileSync } from 'node:fs';
import { nodeTypesRequest } from '@conveyor/contracts';
import { nodeDescriptors } from '@conveyor/nodes';
import { createStatusService, startServiceRuntime } from '@conveyor/service-runtime';
import packageJson from '../package.json' with { type: 'json' };
import * as tables from './db/schema';
import { createNodeTypeCatalog } from './domain/node-type-catalog';
import { loadEnv } from './env';
import { createResolvers } from './graphql/resolvers';
import { serveNodeTypes } from './messaging/serve-node-types';

const env = loadEnv();
const runtime = await startServiceRuntime({ service: 'catalog', version: packageJson.version, env, tables });
const status = createStatusService(runtime);
const nodeTypes = createNodeTypeCatalog(nodeDescriptors);
const nodeTypesSubscription = serveNodeTypes({
  nc: runtime.nc,
  subject: runtime.requestSubject('catalog', nodeTypesRequest.verb),
  logger: runtime.logger,
  catalog: nodeTypes,
});
runtime.onShutdown({ name: 'node-types requests', run: async () => nodeTypesSubscription.unsubscribe() });
await runtime.serveGraphQL(readFileSync(new URL('./graphql/schema.graphql', import.meta.url), 'utf8'), createResolvers({ status, nodeTypes }));
await runtime.listen();
