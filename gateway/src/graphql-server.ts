import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { createFormatError, type Logger, type RequestContext } from '@conveyor/service-runtime';
import type { GraphQLFormattedError } from 'graphql';
import type { GatewayEnv } from './env';
import { supergraphPath } from './compose';
import { createDirectExecutor, type DirectExecutor } from './rest/direct-executor';
import { createSubgraphAgent, SubgraphDataSource } from './subgraph-data-source';
import { subgraphUrls } from './subgraphs';

/**
 * Answers are never cached by intermediaries (they are per tenant). Apollo's cache-control plugin
 * said the same (`no-store`, as no field carries a cache hint) at the price of a cache policy per
 * request; this listener is one shared object.
 */
export const graphqlCacheControl = 'no-store';
const noStoreListener = {
  async willSendResponse({ response }: { response: { http: { headers: Map<string, string> } } }) {
    response.http.headers.set('cache-control', graphqlCacheControl);
  },
};
const noStorePlugin: ApolloServerPlugin<RequestContext> = { requestDidStart: async () => noStoreListener };

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

/**
 * Apollo Server running `@apollo/gateway` over the committed supergraph, hardened; and the direct
 * executor, which runs known documents (the REST adapter's, `/graphql`'s) on the same gateway
 * with the same rules.
 */
export function createGraphQLServer(env: GatewayEnv, logger: Logger): { apollo: ApolloServer<RequestContext>; direct: DirectExecutor } {
  const urls = subgraphUrls(env);
  const agent = createSubgraphAgent();
  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(supergraphPath, 'utf8'),
    // A slow subgraph costs one timed-out field (UPSTREAM_TIMEOUT), not a hung client.
    buildService: ({ name }) => new SubgraphDataSource({ url: urls[name as keyof typeof urls] ?? '', agent, timeoutMs: env.SUBGRAPH_TIMEOUT_MS }),
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
  const registryFormatError = createFormatError(logger);
  const formatError = (formatted: GraphQLFormattedError, error: unknown) => registryFormatError(classifyGatewayError(formatted), error);
  const introspection = env.NODE_ENV !== 'production';
  const apollo = new ApolloServer<RequestContext>({
    gateway,
    ...protection,
    plugins: [...protection.plugins, ApolloServerPluginCacheControlDisabled(), noStorePlugin],
    // Our shutdown handler (service-runtime's installShutdown) drains; Apollo's own would re-send SIGTERM.
    stopOnTerminationSignals: false,
    parseOptions: { maxTokens: env.GRAPHQL_MAX_TOKENS },
    csrfPrevention: true,
    introspection,
    includeStacktraceInErrorResponses: false,
    formatError,
  });
  const direct = createDirectExecutor({
    apollo,
    gateway,
    logger,
    formatError,
    validationRules: protection.validationRules,
    errorPlugins: protection.plugins,
    maxTokens: env.GRAPHQL_MAX_TOKENS,
    introspection,
  });
  return { apollo, direct };
}
