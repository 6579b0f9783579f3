import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parse } from 'graphql';
import { createFormatError } from './graphql-errors';
import type { Logger } from './logger';

/** What every resolver receives: the caller's token (verified by the auth layer) and the request's id and logger. */
export interface RequestContext {
  requestId: string;
  logger: Logger;
  authorization: string | undefined;
}

export type SubgraphResolvers = GraphQLResolverMap<RequestContext>;

/** Serves a federation subgraph at `/graphql` on the given fastify instance. */
export async function mountSubgraph(
  app: FastifyInstance,
  options: { typeDefs: string; resolvers: SubgraphResolvers; logger: Logger; production: boolean },
): Promise<ApolloServer<RequestContext>> {
  const apollo = new ApolloServer<RequestContext>({
    schema: buildSubgraphSchema([{ typeDefs: parse(options.typeDefs), resolvers: options.resolvers as GraphQLResolverMap<unknown> }]),
    formatError: createFormatError(options.logger),
    introspection: !options.production,
    includeStacktraceInErrorResponses: false,
    // Traces are for Apollo's hosted studio, which this platform does not use; they cost CPU per request.
    plugins: [fastifyApolloDrainPlugin(app), ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();
  await app.register(fastifyApollo(apollo), {
    path: '/graphql',
    context: async (request: FastifyRequest) => ({
      requestId: request.id,
      logger: request.log as Logger,
      authorization: request.headers.authorization,
    }),
  });
  return apollo;
}
