import type { ApolloServer } from '@apollo/server';
import { streamName } from '@conveyor/contracts';
import { createTokenVerifier, natsKeySource } from '@conveyor/identity';
import type { Logger, RequestContext } from '@conveyor/service-runtime';
import type { FastifyInstance } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import type { NatsConnection } from 'nats';
import type { GatewayEnv } from '../env';
import { executeOperation } from '../rest/execute-operation';
import { ConnectionLimits } from './connection-limits';
import { EventHub } from './event-hub';
import { startGraphQLWsServer } from './graphql-ws-server';
import { registerExecutionEventsRoute } from './sse-route';
import type { LiveDeps } from './subscribe-live-field';

export interface LiveStatus {
  hub: EventHub;
  close(): Promise<void>;
}

/**
 * Live status on the gateway: graphql-ws on `/graphql` (WebSocket upgrade of the same port) and
 * `GET /api/executions/:id/events` (SSE), both fed by one EventHub over the EVENTS stream.
 */
export async function mountLiveStatus(
  app: FastifyInstance,
  options: { nc: NatsConnection; env: GatewayEnv; logger: Logger; apollo: ApolloServer<RequestContext>; schema: () => GraphQLSchema | undefined },
): Promise<LiveStatus> {
  const { nc, env, logger, apollo } = options;
  const stream = streamName(env.NATS_PREFIX, 'EVENTS');
  const js = nc.jetstream();
  const jsm = await nc.jetstreamManager();
  const hub = new EventHub({ js, jsm, stream, logger });
  const deps: LiveDeps = {
    hub,
    js,
    jsm,
    stream,
    prefix: env.NATS_PREFIX,
    logger,
    runQuery: (query, variables, context) => executeOperation(apollo, query, variables, context),
  };
  const verifier = createTokenVerifier({ keys: natsKeySource(nc, env.NATS_PREFIX) });
  const limits = new ConnectionLimits(env.LIVE_MAX_CONNECTIONS_PER_USER);

  const ws = startGraphQLWsServer({
    deps,
    verifier,
    limits,
    schema: options.schema,
    initTimeoutMs: env.LIVE_INIT_TIMEOUT_MS,
    keepAliveMs: env.LIVE_KEEPALIVE_MS,
    maxSubscriptionsPerConnection: env.LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION,
    maxTokens: env.GRAPHQL_MAX_TOKENS,
    runOperation: async (query, variables, operationName, caller) => {
      const response = await apollo.executeOperation(
        { query, variables, operationName },
        { contextValue: { requestId: caller.requestId, logger, authorization: caller.authorization } as RequestContext },
      );
      if (response.body.kind !== 'single') return { errors: [] };
      return response.body.singleResult as never;
    },
  });
  app.server.on('upgrade', (request, socket, head) => {
    const path = (request.url ?? '').split('?')[0];
    if (path === '/graphql') ws.handleUpgrade(request, socket, head);
    else socket.destroy();
  });
  const sse = registerExecutionEventsRoute(app, { deps, verifier, limits, heartbeatMs: env.LIVE_SSE_HEARTBEAT_MS });

  return {
    hub,
    async close() {
      sse.closeAll();
      await ws.close();
      hub.close();
    },
  };
}
