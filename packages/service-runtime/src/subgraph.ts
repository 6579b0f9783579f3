import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import { AppError } from '@conveyor/errors';
import type { Identity, TokenVerifier } from '@conveyor/identity';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parse } from 'graphql';
import { createFormatError } from './graphql-errors';
import type { Logger } from './logger';

/** What every resolver receives: the caller's token, the identity verified from it, and the request's id and logger. */
export interface RequestContext {
  requestId: string;
  logger: Logger;
  authorization: string | undefined;
  /**
   * The caller, verified from the bearer token against auth's JWKS; `null` when the request
   * carried no token. A request with a bad token never reaches a resolver (INVALID_TOKEN /
   * TOKEN_EXPIRED). Identity headers are never read. Use `requireIdentity` from `@conveyor/identity`.
   * Always set in subgraphs; optional only because the gateway builds contexts too (it forwards
   * the token and does not decide on it).
   */
  identity?: Identity | null;
}

export type SubgraphResolvers = GraphQLResolverMap<RequestContext>;

/**
 * Answers are per tenant and never cached (`Cache-Control: no-store`). Apollo's cache-control
 * plugin answered the same, as no field carries a cache hint, but it wrapped every resolver to
 * compute a cache policy per field: about 8% of a subgraph's CPU for a small query.
 */
const noStoreListener = {
  async willSendResponse({ response }: { response: { http: { headers: Map<string, string> } } }) {
    response.http.headers.set('cache-control', 'no-store');
  },
};
const noStorePlugin: ApolloServerPlugin<RequestContext> = { requestDidStart: async () => noStoreListener };

/** Serves a federation subgraph at `/graphql` on the given fastify instance. */
export async function mountSubgraph(
  app: FastifyInstance,
  options: { typeDefs: string; resolvers: SubgraphResolvers; logger: Logger; production: boolean; verifier: TokenVerifier },
): Promise<ApolloServer<RequestContext>> {
  const identities = new WeakMap<FastifyRequest, Identity | null>();
  // The token is verified before the operation runs: a bad one answers a GraphQL error whose
  // `extensions.code` the gateway and the REST adapter map through the registry (401).
  // Callback style, and no verification at all without a header (no identity): an async hook
  // costs a promise and a tick per request.
  app.addHook('preHandler', (request, reply, done) => {
    const header = request.headers.authorization;
    if (header === undefined || request.routeOptions.url !== '/graphql') return done();
    options.verifier.verifyAuthorization(header).then(
      (identity) => {
        identities.set(request, identity);
        done();
      },
      (error: unknown) => {
        if (!(error instanceof AppError)) return done(error as Error);
        reply
          .code(200)
          .type('application/json; charset=utf-8')
          .send({ errors: [{ message: error.message, extensions: { code: error.code, details: error.details ?? null } }] });
      },
    );
  });
  const apollo = new ApolloServer<RequestContext>({
    schema: buildSubgraphSchema([{ typeDefs: parse(options.typeDefs), resolvers: options.resolvers as GraphQLResolverMap<unknown> }]),
    formatError: createFormatError(options.logger),
    introspection: !options.production,
    includeStacktraceInErrorResponses: false,
    // Traces are for Apollo's hosted studio, which this platform does not use; they cost CPU per request.
    plugins: [fastifyApolloDrainPlugin(app), ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginCacheControlDisabled(), noStorePlugin],
    // Our shutdown handler (`installShutdown`) drains; Apollo's own would re-send SIGTERM outside tests.
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  await app.register(fastifyApollo(apollo), {
    path: '/graphql',
    context: async (request: FastifyRequest) => ({
      requestId: request.id,
      logger: request.log as Logger,
      authorization: request.headers.authorization,
      identity: identities.get(request) ?? null,
    }),
  });
  return apollo;
}
