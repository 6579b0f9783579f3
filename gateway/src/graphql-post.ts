import type { ApolloServer } from '@apollo/server';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import type { RequestContext } from '@conveyor/service-runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Negotiator from 'negotiator';
import { graphqlCacheControl } from './graphql-server';
import type { DirectExecutor, DirectRequest } from './rest/direct-executor';

/** The single-result media types Apollo Server offers, in its order of preference (its `MEDIA_TYPES`). */
const applicationJson = 'application/json; charset=utf-8';
const graphqlCallback = 'application/json; callbackSpec=1.0; charset=utf-8';
const offeredTypes = [applicationJson, 'application/graphql-response+json; charset=utf-8', graphqlCallback];

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The request when it is a plain POST that Apollo Server would accept as is, else null. */
function plainRequest(body: unknown): DirectRequest | null {
  if (!isRecord(body) || typeof body.query !== 'string') return null;
  const { operationName, variables, extensions } = body;
  if (operationName != null && typeof operationName !== 'string') return null;
  if (variables != null && !isRecord(variables)) return null;
  // Extensions (persisted queries and the like) are Apollo Server's to interpret.
  if (extensions != null) return null;
  return { query: body.query, operationName: operationName as string | null | undefined, variables: variables as Record<string, unknown> | null | undefined };
}

/**
 * POST `/graphql`. A JSON request whose document prepares cleanly runs on the gateway's direct
 * executor, which gives the same answer as Apollo Server (body, codes, status, content type)
 * without its per-request pipeline; everything else (a syntax or validation error, persisted
 * queries, a subscription, an `Accept` Apollo would refuse) is Apollo Server's, unchanged. The
 * body is JSON (the only parser the gateway has), so CSRF prevention has nothing to block here.
 */
export function registerGraphQLPost(
  app: FastifyInstance,
  options: { apollo: ApolloServer<RequestContext>; direct: DirectExecutor; path: string; context: (request: FastifyRequest) => RequestContext },
): void {
  const apolloHandler = fastifyApolloHandler(options.apollo, { context: async (request: FastifyRequest) => options.context(request) });
  const contentTypes = new Map<string, string | null>();
  const contentTypeFor = (accept: string | undefined): string | null => {
    if (accept === undefined || accept === '') return applicationJson;
    let chosen = contentTypes.get(accept);
    if (chosen === undefined) {
      // No acceptable type (406) and the subscription-callback protocol are Apollo Server's answers.
      const preferred = new Negotiator({ headers: { accept } }).mediaType(offeredTypes);
      chosen = preferred === undefined || preferred === graphqlCallback ? null : preferred;
      if (contentTypes.size >= 100) contentTypes.clear();
      contentTypes.set(accept, chosen);
    }
    return chosen;
  };

  app.post(options.path, async (request: FastifyRequest, reply: FastifyReply) => {
    const graphqlRequest = plainRequest(request.body);
    const contentType = graphqlRequest ? contentTypeFor(request.headers.accept) : null;
    if (graphqlRequest && contentType) {
      const result = await options.direct.tryExecute(graphqlRequest, options.context(request));
      if (result) {
        void reply.code(result.status ?? 200).header('content-type', contentType).header('cache-control', graphqlCacheControl);
        return `${JSON.stringify({ errors: result.errors, data: result.data })}\n`;
      }
    }
    return apolloHandler.call(app, request as never, reply as never);
  });
}
