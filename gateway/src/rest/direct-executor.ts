import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { ApolloGateway } from '@apollo/gateway';
import type { ApolloServer, ApolloServerPlugin } from '@apollo/server';
import type { Logger, RequestContext } from '@conveyor/service-runtime';
import type { DocumentNode, GraphQLError, GraphQLFormattedError, GraphQLSchema, OperationDefinitionNode, ValidationRule } from 'graphql';
import { executeOperation, resultData } from './execute-operation';

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

export type OperationExecutor = (operation: string, variables: Record<string, unknown>, context: RequestContext) => Promise<Record<string, unknown>>;

/**
 * Runs the REST adapter's fixed operations straight on the gateway's executor. Each document is
 * parsed and validated once (the same parse limits and validation rules as Apollo Server's), then
 * every request skips Apollo Server's per-request pipeline (plugin fan-out, document-store
 * lookup, hashing, response shaping) and goes to the query planner and the subgraphs as before.
 * Errors pass through the same steps Apollo applies (variable coercion errors become
 * BAD_USER_INPUT, armor's `didEncounterErrors`, the default INTERNAL_SERVER_ERROR code, then
 * `formatError`), so the REST answers, codes and logs are unchanged. A document that does not
 * prepare cleanly (or a subscription) runs through Apollo Server as before.
 */
export function createDirectExecutor(options: DirectExecutorOptions): OperationExecutor {
  const { apollo, gateway, logger } = options;
  let schema: GraphQLSchema | undefined;
  const prepared = new Map<string, PreparedOperation | null>();
  gateway.onSchemaLoadOrUpdate(({ apiSchema }) => {
    schema = apiSchema;
    prepared.clear();
  });
  const rules = [...graphqlJs.specifiedRules, ...options.validationRules, ...(options.introspection ? [] : [graphqlJs.NoSchemaIntrospectionCustomRule])];

  const prepare = (source: string): PreparedOperation | null => {
    if (!schema) return null;
    try {
      const document = graphqlJs.parse(source, { maxTokens: options.maxTokens });
      if (graphqlJs.validate(schema, document, rules).length > 0) return null;
      const operation = graphqlJs.getOperationAST(document);
      if (!operation || operation.operation === 'subscription') return null;
      return { source, document, operation, operationName: operation.name?.value ?? null, queryHash: createHash('sha256').update(source).digest('hex') };
    } catch {
      return null;
    }
  };

  const formatErrors = async (errors: readonly unknown[], requestContext: object): Promise<GraphQLFormattedError[]> => {
    const graphqlErrors = errors.map((error) => toUserInputError(ensureGraphQLError(error)));
    for (const plugin of options.errorPlugins) {
      const listener = await plugin.requestDidStart?.(requestContext as never);
      await listener?.didEncounterErrors?.({ ...requestContext, errors: graphqlErrors } as never);
    }
    return graphqlErrors.map((error) => {
      try {
        const extensions: Record<string, unknown> = { ...error.extensions, code: error.extensions.code ?? 'INTERNAL_SERVER_ERROR' };
        delete extensions.http;
        return options.formatError({ ...error.toJSON(), extensions }, error);
      } catch {
        return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
      }
    });
  };

  return async (source, variables, context) => {
    let entry = prepared.get(source);
    if (entry === undefined) {
      entry = prepare(source);
      if (schema) prepared.set(source, entry);
    }
    if (!entry) return executeOperation(apollo, source, variables, context);
    const requestContext = {
      request: { query: source, variables },
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
    const errors = result.errors?.length ? await formatErrors(result.errors, requestContext) : undefined;
    return resultData(result.data ?? undefined, errors);
  };
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
