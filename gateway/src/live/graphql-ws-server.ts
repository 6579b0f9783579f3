import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionResult, GraphQLSchema } from 'graphql';
import { CloseCode, type Context } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { TokenVerifier } from '@conveyor/identity';
import type { ConnectionLimits } from './connection-limits';
import { createDocumentCache } from './document-cache';
import { graphqlJs } from './graphql-js';
import { codeOf, verifyCaller, type VerifiedCaller } from './live-caller';
import { subscribeLiveField, type LiveDeps, type QueryRunner } from './subscribe-live-field';
import { maxTimerMs } from './token-expiry';

/** Close codes beyond graphql-ws's own: the client should not retry these blindly. */
export const liveCloseCodes = {
  /** The token expired: reconnect with a fresh one (and `after` to resume). */
  tokenExpired: 4401,
  /** The token is missing or invalid. */
  unauthorized: CloseCode.Unauthorized,
  /** The user already holds the maximum number of live connections. */
  tooManyConnections: 4429,
} as const;

type Extra = {
  socket: WebSocket;
  request: IncomingMessage;
  caller?: VerifiedCaller;
  expiryTimer?: NodeJS.Timeout;
};

export interface GraphQLWsOptions {
  deps: LiveDeps;
  verifier: TokenVerifier;
  limits: ConnectionLimits;
  /** The supergraph's API schema, once the gateway has loaded it. */
  schema: () => GraphQLSchema | undefined;
  /** Queries and mutations sent over the socket run through the gateway like HTTP ones. */
  runOperation: (query: string, variables: Record<string, unknown>, operationName: string | undefined, caller: VerifiedCaller) => Promise<ExecutionResult>;
  initTimeoutMs: number;
  keepAliveMs: number;
  maxSubscriptionsPerConnection: number;
  maxTokens: number;
}

const authorizationOf = (params: Record<string, unknown> | undefined) => params?.authorization ?? params?.Authorization ?? (typeof params?.token === 'string' ? `Bearer ${params.token}` : undefined);

const { GraphQLError, getOperationAST, print } = graphqlJs;

const rejected = (message: string, code: string) => [new GraphQLError(message, { extensions: { code } })];

function armExpiry(extra: Extra): void {
  const expiresAt = extra.caller?.expiresAt;
  if (expiresAt == null) return;
  const wait = expiresAt - Date.now();
  extra.expiryTimer = setTimeout(
    () => (wait > maxTimerMs ? armExpiry(extra) : extra.socket.close(liveCloseCodes.tokenExpired, 'TOKEN_EXPIRED')),
    Math.max(0, Math.min(wait, maxTimerMs)),
  );
}

/**
 * graphql-ws on the gateway's `/graphql` (the HTTP server's `upgrade` event, so queries and
 * subscriptions share one port). `connection_init` must carry `{authorization: "Bearer …"}`; the
 * token's expiry closes the socket with 4401. A socket that never sends `connection_init` is
 * closed by graphql-ws after `initTimeoutMs` (4408).
 */
export function startGraphQLWsServer(options: GraphQLWsOptions): { handleUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => void; close: () => Promise<void> } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const parseDocument = createDocumentCache();
  const server = useServer<Record<string, unknown> | undefined, Extra>(
    {
      connectionInitWaitTimeout: options.initTimeoutMs,
      onConnect: async (ctx: Context<Record<string, unknown> | undefined, Extra>) => {
        const { extra } = ctx;
        try {
          extra.caller = await verifyCaller(options.verifier, authorizationOf(ctx.connectionParams));
        } catch (error) {
          const code = codeOf(error);
          extra.socket.close(code === 'TOKEN_EXPIRED' ? liveCloseCodes.tokenExpired : code === 'INTERNAL_ERROR' || code === 'SERVICE_UNAVAILABLE' ? CloseCode.InternalServerError : liveCloseCodes.unauthorized, code);
          return false;
        }
        if (!options.limits.acquire(extra.caller.identity.userId)) {
          extra.caller = undefined;
          extra.socket.close(liveCloseCodes.tooManyConnections, 'RATE_LIMIT_EXCEEDED');
          return false;
        }
        armExpiry(extra);
        return true;
      },
      onClose: (ctx) => {
        clearTimeout(ctx.extra.expiryTimer);
        if (ctx.extra.caller) options.limits.release(ctx.extra.caller.identity.userId);
        ctx.extra.caller = undefined;
      },
      onSubscribe: (ctx, _id, payload) => {
        const schema = options.schema();
        if (!schema) return rejected('The gateway is not ready', 'SERVICE_UNAVAILABLE');
        if (Object.keys(ctx.subscriptions).length > options.maxSubscriptionsPerConnection) {
          return rejected(`At most ${options.maxSubscriptionsPerConnection} operations per connection`, 'RATE_LIMIT_EXCEEDED');
        }
        const parsed = parseDocument(schema, payload.query, options.maxTokens);
        if (!parsed.document) return parsed.errors.map((error) => new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: parsed.code } }));
        const { document } = parsed;
        if (!getOperationAST(document, payload.operationName)) return rejected('Unable to identify the operation', 'GRAPHQL_VALIDATION_FAILED');
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue: ctx.extra.caller };
      },
      subscribe: (args) =>
        subscribeLiveField(options.deps, {
          schema: args.schema,
          document: args.document,
          operationName: args.operationName,
          variableValues: args.variableValues as Record<string, unknown> | undefined,
          caller: args.contextValue as VerifiedCaller,
        }),
      execute: (args) =>
        options.runOperation(print(args.document), (args.variableValues ?? {}) as Record<string, unknown>, args.operationName ?? undefined, args.contextValue as VerifiedCaller),
    },
    wss,
    options.keepAliveMs,
  );
  return {
    handleUpgrade: (request, socket, head) => wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request)),
    close: async () => void (await server.dispose()),
  };
}

export type { QueryRunner };
