import { readFileSync } from 'node:fs';
import { nodeTypesRequest, schemaVersionRequest } from '@conveyor/contracts';
import { createStatusService, startServiceRuntime } from '@conveyor/service-runtime';
import packageJson from '../package.json' with { type: 'json' };
import * as tables from './db/schema';
import type { SchemaDeps } from './domain/schema-deps';
import { loadEnv } from './env';
import { createResolvers } from './graphql/resolvers';
import { createCatalogNodeTypes } from './messaging/catalog-node-types';
import { serveSchemaVersion } from './messaging/serve-schema-version';

const env = loadEnv();
const runtime = await startServiceRuntime({ service: 'schemas', version: packageJson.version, env, tables });
const status = createStatusService(runtime);
const schemas: SchemaDeps = {
  db: runtime.db,
  prefix: env.NATS_PREFIX,
  wakeRelay: () => runtime.relay.wake(),
  limits: { maxNodes: env.SCHEMAS_MAX_NODES, maxEdges: env.SCHEMAS_MAX_EDGES, maxConfigBytes: env.SCHEMAS_MAX_CONFIG_BYTES },
  nodeTypes: createCatalogNodeTypes({ nc: runtime.nc, subject: runtime.requestSubject('catalog', nodeTypesRequest.verb), cacheMs: env.NODE_TYPES_CACHE_MS }),
};
const schemaVersionSubscription = serveSchemaVersion({
  nc: runtime.nc,
  subject: runtime.requestSubject('schemas', schemaVersionRequest.verb),
  logger: runtime.logger,
  schemas,
});
runtime.onShutdown({ name: 'schema-version requests', run: async () => schemaVersionSubscription.unsubscribe() });
await runtime.serveGraphQL(readFileSync(new URL('./graphql/schema.graphql', import.meta.url), 'utf8'), createResolvers({ status, schemas }));
await runtime.listen();
