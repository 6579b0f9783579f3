import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { ApolloGateway } from '@apollo/gateway';
import type { ApolloServer, ApolloServerPlugin } from '@apollo/server';
import type { Logger, RequestContext } from '@conveyor/service-runtime';
import type { DocumentNode, GraphQLError, GraphQLFormattedError, GraphQLSchema, OperationDefinitionNode, ValidationRule } from 'graphql';
import { executeOperation, resultData } from './execute-operation';
import type { OperationRunner } from './register-routes';

/**
 * graphql-js as Apollo and the gateway load it (CommonJS): vitest would otherwise hand this file
 * the `.mjs` build, whose `GraphQLError` and schema fail the other realm's `instanceof` checks.
 */
const graphqlJs = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/** What Apollo Server applies to a fixed operation, kept so the direct path answers the same. */
export interface DirectExecutorOptions {
  apollo: ApolloServer<RequestContext>;
  gateway: ApolloGateway;
  logger: Logger;
  /** Apollo's `formatError` (the registry mapping), applied to every error as Apollo does. */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** Validation rules Apollo runs besides graphql-js' own (armor's depth, cost, alias limits). */
  validationRules: ValidationRule[];
  /** Plugins whose `didEncounterErrors` rewrites errors (armor masks field suggestions). */
  errorPlugins: ApolloServerPlugin<RequestContext>[];
  maxTokens: number;
  introspection: boolean;
}

interface PreparedOperation {
  source: string;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  operationName: string | null;
  queryHash: string;
}


/** A GraphQL request as it arrives (`query`, `operationName`, `variables`). */
export interface DirectRequest {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

/** A finished single result, with the HTTP status Apollo Server would give it (undefined: 200). */
export interface DirectResult {
  status: number | undefined;
  errors?: GraphQLFormattedError[];
  data?: Record<string, unknown> | null;
}

export interface DirectExecutor {
  /** Runs a request whose document prepares cleanly; null when it does not (Apollo Server answers it). */
  tryExecute(request: DirectRequest, context: RequestContext): Promise<DirectResult | null>;
  /** The REST adapter's runner: the operation's data, or the registry error its first GraphQL error names. */
  runOperation: OperationRunner;
}

/** Prepared documents kept at most; the oldest goes first (clients' own documents are unbounded). */
const maxPreparedDocuments = 1_000;

/**
 * Runs GraphQL requests straight on the gateway's executor: the REST adapter's fixed operations,
 * and `/graphql` POSTs whose document has been seen before. Each document is
 * parsed and validated once (the same parse limits and validation rules as Apollo Server's), then
 * every request skips Apollo Server's per-request pipeline (plugin fan-out, document-store
 * lookup, hashing, response shaping) and goes to the query planner and the subgraphs as before.
 * Errors pass through the same steps Apollo applies (variable coercion errors become
 * BAD_USER_INPUT, armor's `didEncounterErrors`, the default INTERNAL_SERVER_ERROR code, then
 * `formatError`, the HTTP status from the errors), so answers, codes and logs are unchanged. A
 * document that does not prepare cleanly (a syntax or validation error, an unknown or ambiguous
 * operation name, a subscription) runs through Apollo Server, which reports it.
 */
export function createDirectExecutor(options: DirectExecutorOptions): DirectExecutor {
  const { apollo, gateway, logger } = options;
  let schema: GraphQLSchema | undefined;
  const prepared = new Map<string, PreparedOperation | null>();
  gateway.onSchemaLoadOrUpdate(({ apiSchema }) => {
    schema = apiSchema;
    prepared.clear();
  });
  const rules = [...graphqlJs.specifiedRules, ...options.validationRules, ...(options.introspection ? [] : [graphqlJs.NoSchemaIntrospectionCustomRule])];

  const prepare = (source: string, operationName: string | undefined): PreparedOperation | null => {
    if (!schema) return null;
    try {
      const document = graphqlJs.parse(source, { maxTokens: options.maxTokens });
      if (graphqlJs.validate(schema, document, rules).length > 0) return null;
      const operation = graphqlJs.getOperationAST(document, operationName);
      if (!operation || operation.operation === 'subscription') return null;
      return { source, document, operation, operationName: operation.name?.value ?? null, queryHash: createHash('sha256').update(source).digest('hex') };
    } catch {
      return null;
    }
  };

  const formatErrors = async (errors: readonly unknown[], requestContext: object): Promise<{ formatted: GraphQLFormattedError[]; status: number | undefined }> => {
    const graphqlErrors = errors.map((error) => toUserInputError(ensureGraphQLError(error)));
    for (const plugin of options.errorPlugins) {
      const listener = await plugin.requestDidStart?.(requestContext as never);
      await listener?.didEncounterErrors?.({ ...requestContext, errors: graphqlErrors } as never);
    }
    let status: number | undefined;
    const formatted = graphqlErrors.map((error) => {
      try {
        const extensions: Record<string, unknown> = { ...error.extensions, code: error.extensions.code ?? 'INTERNAL_SERVER_ERROR' };
        const http = extensions.http as { status?: unknown } | undefined;
        if (typeof http?.status === 'number') status = http.status;
        delete extensions.http;
        return options.formatError({ ...error.toJSON(), extensions }, error);
      } catch {
        return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
      }
    });
    return { formatted, status };
  };

  const preparedFor = (source: string, operationName: string | undefined): PreparedOperation | null => {
    // Operation names are GraphQL names (no NUL), so the two key shapes never meet.
    const key = operationName === undefined ? `?${source}` : `!${operationName}\u0000${source}`;
    let entry = prepared.get(key);
    if (entry === undefined) {
      entry = prepare(source, operationName);
      if (schema) {
        if (prepared.size >= maxPreparedDocuments) prepared.delete(prepared.keys().next().value as string);
        prepared.set(key, entry);
      }
    }
    return entry;
  };

  const tryExecute = async (request: DirectRequest, context: RequestContext): Promise<DirectResult | null> => {
    const source = request.query;
    const entry = preparedFor(source, request.operationName ?? undefined);
    if (!entry) return null;
    const variables = request.variables ?? undefined;
    const requestContext = {
      request: { query: source, operationName: request.operationName ?? undefined, variables },
      response: { http: { headers: new Map<string, string>(), status: undefined } },
      logger,
      schema,
      context: { ...context },
      queryHash: entry.queryHash,
      document: entry.document,
      source,
      operationName: entry.operationName,
      operation: entry.operation,
      metrics: {},
      debug: false,
      requestIsBatched: false,
    };
    let result: { data?: Record<string, unknown> | null; errors?: readonly unknown[] };
    try {
      result = await gateway.executor(requestContext as never);
    } catch (error) {
      result = { errors: [error] };
    }
    if (!result.errors?.length) return { status: undefined, data: result.data };
    const { formatted, status } = await formatErrors(result.errors, requestContext);
    // Apollo Server 5 answers 400 when nothing executed (variable coercion errors), else 200.
    return { status: status ?? (result.data === undefined ? 400 : undefined), errors: formatted, data: result.data };
  };

  const runOperation: OperationRunner = async (source, variables, context) => {
    const result = await tryExecute({ query: source, variables }, context);
    if (!result) return executeOperation(apollo, source, variables, context);
    return resultData(result.data ?? undefined, result.errors);
  };

  return { tryExecute, runOperation };
}

function ensureGraphQLError(error: unknown): GraphQLError {
  if (error instanceof graphqlJs.GraphQLError) return error;
  if (error instanceof Error) return new graphqlJs.GraphQLError(error.message, { originalError: error });
  return new graphqlJs.GraphQLError(`Unexpected error value: ${String(error)}`);
}

/** Apollo Server's mapping of variable coercion errors (no code of their own) to BAD_USER_INPUT. */
function toUserInputError(error: GraphQLError): GraphQLError {
  const node = error.nodes?.length === 1 ? error.nodes[0] : undefined;
  if (error.extensions?.code != null || node?.kind !== graphqlJs.Kind.VARIABLE_DEFINITION) return error;
  const name = node.variable.name.value;
  const coercion = [`has invalid value`, `got invalid value `, `of required type `, `of non-null type `].some((tail) => error.message.startsWith(`Variable "$${name}" ${tail}`));
  if (!coercion) return error;
  return new graphqlJs.GraphQLError(error.message, {
    nodes: error.nodes,
    originalError: error.originalError ?? error,
    extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
  });
}
