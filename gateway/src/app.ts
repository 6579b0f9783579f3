import { jsonNestingLimit } from '@conveyor/contracts';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import {
  createHttpServer,
  registerErrorEnvelope,
  registerHealthRoutes,
  registerMetrics,
  type Logger,
  type RequestContext,
} from '@conveyor/service-runtime';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { NatsConnection } from 'nats';
import type { GatewayEnv } from './env';
import { registerGraphQLPost } from './graphql-post';
import { createGraphQLServer } from './graphql-server';
import { createApiSchemaPlugin } from './live/api-schema-plugin';
import { mountLiveStatus, type LiveStatus } from './live/mount-live-status';
import { buildOpenApiDocument } from './rest/openapi';
import { registerRestRoutes } from './rest/register-routes';
import type { RestRoute } from './rest/route-table';
import { createPerUserRateLimit } from './rate-limit/per-user-rate-limit';
import { subgraphUrls } from './subgraphs';

/** Identity must come from a verified token; headers claiming one are dropped at the door. */
const identityHeader = /^(x-(user|tenant|role|auth|conveyor)[-_].*|x-forwarded-user|x-remote-user)$/i;

const contextOf = (request: FastifyRequest): RequestContext => ({
  requestId: request.id,
  logger: request.log as Logger,
  authorization: request.headers.authorization,
});

export interface GatewayApp {
  app: FastifyInstance;
  /** Marks the gateway ready (after listen) or draining (on shutdown). */
  setAcceptingWork(accepting: boolean): void;
  /** Live status (graphql-ws and SSE), present when the gateway was given a NATS connection. */
  live?: LiveStatus;
}

/** The gateway's HTTP surface: `/graphql`, the REST adapter, OpenAPI and Swagger UI, health and metrics. */
export async function buildGatewayApp(options: { env: GatewayEnv; logger: Logger; routes: RestRoute[]; version: string; nats?: NatsConnection }): Promise<GatewayApp> {
  const { env, logger } = options;
  const app = createHttpServer({ logger, bodyLimit: env.BODY_LIMIT_BYTES, maxJsonDepth: jsonNestingLimit });
  // Only JSON bodies are accepted; anything else answers 415 in the envelope.
  app.removeContentTypeParser('text/plain');
  registerErrorEnvelope(app, { bodyLimit: env.BODY_LIMIT_BYTES, graphqlPath: '/graphql' });
  registerMetrics(app, 'gateway');
  app.addHook('onRequest', (request, _reply, done) => {
    for (const name of Object.keys(request.headers)) {
      if (identityHeader.test(name)) delete request.headers[name];
    }
    done();
  });
  const requestLimit = env.RATE_LIMIT_PER_MINUTE ?? (env.NODE_ENV === 'production' ? 100 : 0);
  if (options.nats && requestLimit > 0) createPerUserRateLimit(app, { nc: options.nats, prefix: env.NATS_PREFIX, limit: requestLimit });

  const { apollo, direct } = createGraphQLServer(env, logger);
  apollo.addPlugin(fastifyApolloDrainPlugin(app));
  const apiSchema = createApiSchemaPlugin();
  apollo.addPlugin(apiSchema.plugin);
  await apollo.start();
  await app.register(fastifyApollo(apollo), { path: '/graphql', method: ['GET', 'OPTIONS'], context: async (request: FastifyRequest) => contextOf(request) });
  registerGraphQLPost(app, { apollo, direct, path: '/graphql', context: contextOf });

  registerRestRoutes(app, options.routes, direct.runOperation);
  const live = options.nats ? await mountLiveStatus(app, { nc: options.nats, env, logger, apollo, schema: apiSchema.schema }) : undefined;
  if (live) app.addHook('preClose', async () => live.close());

  const openApi = buildOpenApiDocument(options.routes, options.version);
  app.get('/openapi.json', async () => openApi);
  await app.register(fastifySwagger, { mode: 'static', specification: { document: openApi as never } });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  let acceptingWork = false;
  const urls = subgraphUrls(env);
  registerHealthRoutes(app, {
    version: options.version,
    isAcceptingWork: () => acceptingWork,
    readinessChecks: {},
    checks: Object.fromEntries(
      Object.entries(urls).map(([name, url]) => [
        name,
        async () => {
          const response = await fetch(new URL('/livez', url), { signal: AbortSignal.timeout(2_000) });
          if (!response.ok) throw new Error(`answered ${response.status}`);
        },
      ]),
    ),
  });
  return { app, live, setAcceptingWork: (accepting) => void (acceptingWork = accepting) };
}
