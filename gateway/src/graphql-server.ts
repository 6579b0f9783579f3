import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { createFormatError, type Logger, type RequestContext } from '@conveyor/service-runtime';
import type { GraphQLFormattedError } from 'graphql';
import type { GatewayEnv } from './env';
import { supergraphPath } from './compose';
import { createSubgraphFetcher } from './subgraph-fetcher';
import { subgraphUrls } from './subgraphs';

/** Headers the gateway passes to subgraphs. Nothing else crosses, so no inbound identity header can. */
const forwardedHeaders = ['authorization', 'x-request-id'] as const;

/** A slow subgraph costs one timed-out field (UPSTREAM_TIMEOUT), not a hung client. */
function createDataSource(url: string, fetcher: ReturnType<typeof createSubgraphFetcher>): RemoteGraphQLDataSource<RequestContext> {
  return new RemoteGraphQLDataSource<RequestContext>({
    url,
    fetcher: fetcher as never,
    willSendRequest({ request, context }) {
      const headers = request.http?.headers;
      if (!headers || !context) return;
      if (context.authorization) headers.set(forwardedHeaders[0], context.authorization);
      headers.set(forwardedHeaders[1], context.requestId);
    },
  });
}

/** Errors of a subgraph call that never got an answer carry no code; name them for the client. */
function classifyGatewayError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (code !== undefined && code !== 'INTERNAL_SERVER_ERROR') return formatted;
  if (/timeout|aborted/i.test(formatted.message)) {
    return { ...formatted, message: 'A service did not answer in time', extensions: { code: 'UPSTREAM_TIMEOUT' } };
  }
  if (/ECONNREFUSED|fetch failed|Error while fetching|request to .* failed/i.test(formatted.message)) {
    return { ...formatted, message: 'A service is unavailable', extensions: { code: 'SERVICE_UNAVAILABLE' } };
  }
  return formatted;
}

/** Apollo Server running `@apollo/gateway` over the committed supergraph, hardened. */
export function createGraphQLServer(env: GatewayEnv, logger: Logger): ApolloServer<RequestContext> {
  const urls = subgraphUrls(env);
  const fetcher = createSubgraphFetcher(env.SUBGRAPH_TIMEOUT_MS);
  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(supergraphPath, 'utf8'),
    buildService: ({ name }) => createDataSource(urls[name as keyof typeof urls] ?? '', fetcher),
    logger,
  });
  const armor = new ApolloArmor({
    maxDepth: { n: env.GRAPHQL_MAX_DEPTH },
    maxAliases: { n: env.GRAPHQL_MAX_ALIASES },
    costLimit: { maxCost: env.GRAPHQL_MAX_COST },
    // Armor's token limit re-parses in a plugin hook and turns every syntax error into a 500;
    // graphql-js enforces the same limit in Apollo's own parse (see `parseOptions`), with a 400.
    maxTokens: { enabled: false },
    maxDirectives: { n: 50 },
    blockFieldSuggestion: { enabled: env.NODE_ENV === 'production' },
  });
  const protection = armor.protect();
  const formatError = createFormatError(logger);
  return new ApolloServer<RequestContext>({
    gateway,
    ...protection,
    plugins: [...protection.plugins],
    parseOptions: { maxTokens: env.GRAPHQL_MAX_TOKENS },
    csrfPrevention: true,
    introspection: env.NODE_ENV !== 'production',
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) => formatError(classifyGatewayError(formatted), error),
  });
}
