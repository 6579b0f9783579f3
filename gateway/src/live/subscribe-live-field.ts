import type { DocumentNode, ExecutionResult, GraphQLSchema } from 'graphql';
import { graphqlJs } from './graphql-js';
import type { Identity } from '@conveyor/identity';
import type { Logger, RequestContext } from '@conveyor/service-runtime';
import { AppError } from '@conveyor/errors';
import { AsyncQueue } from './async-queue';
import { toGraphQLError } from './live-errors';
import type { LiveEvent } from './live-event';
import { openFeed, type FeedDeps } from './live-feed';
import { eventFieldNames, filterOf } from './live-fields';
import { answersFromEvent, entityQueryOf, eventObjectOf, readLiveOperation, type LiveOperation } from './subscription-document';

/** Runs an operation in-process through the gateway with the caller's token; returns `data`. */
export type QueryRunner = (query: string, variables: Record<string, unknown>, context: RequestContext) => Promise<Record<string, unknown>>;

export interface LiveDeps extends FeedDeps {
  prefix: string;
  runQuery: QueryRunner;
  logger: Logger;
}

export interface LiveCaller {
  identity: Identity;
  authorization: string;
  requestId: string;
}

export interface LiveSubscriptionArgs {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variableValues?: Record<string, unknown> | null;
  caller: LiveCaller;
}

const errorResult = (error: unknown): ExecutionResult => ({ errors: [toGraphQLError(error)] });

/**
 * A live field as an async iterator of GraphQL results, each with `extensions.sequence` (the
 * stream sequence to resume `after`). The first result is the current state where the field has
 * one; an event answers from its own data when it carries every selected field, otherwise the
 * selection is resolved through the gateway for that event. A result equal to the previous one
 * (the event of the state the snapshot already showed) is not sent again.
 */
export function subscribeLiveField(deps: LiveDeps, args: LiveSubscriptionArgs): AsyncIterableIterator<ExecutionResult> | ExecutionResult {
  let live: LiveOperation;
  try {
    live = readLiveOperation(args.schema, args.document, args.operationName, args.variableValues);
  } catch (error) {
    return errorResult(error);
  }
  const { field } = live;
  if (!field.refetch) {
    const carried = eventFieldNames(field);
    const missing = live.eventFields === null ? ['(nested selections)'] : [...live.eventFields].filter((name) => !carried.has(name));
    if (missing.length > 0) {
      return errorResult(
        new AppError('BAD_USER_INPUT', `${field.name} answers from its event only, which carries ${[...carried].join(', ')}`, { details: { unavailable: missing } }),
      );
    }
  }
  const context: RequestContext = { requestId: args.caller.requestId, logger: deps.logger, authorization: args.caller.authorization } as RequestContext;
  const variables = { ...(args.variableValues ?? {}) };
  const run = (query: string, key: string) => deps.runQuery(query, { ...variables, liveKey: key }, context);

  let stopped = false;
  let feed: AsyncQueue<unknown> | undefined;
  const output = new AsyncQueue<ExecutionResult>(() => {
    stopped = true;
    void feed?.return();
  });

  const snapshotQuery = field.snapshot ? entityQueryOf(args.document, live, field.snapshot) : undefined;
  const refetchQuery = field.refetch ? entityQueryOf(args.document, live, field.refetch) : undefined;
  let last = '';
  const send = (result: ExecutionResult, seq: number) => {
    const text = JSON.stringify(result);
    if (text === last) return;
    last = text;
    output.push({ ...result, extensions: { ...result.extensions, sequence: String(seq) } });
  };

  const render = async (event: LiveEvent): Promise<ExecutionResult> => {
    const object = eventObjectOf(event.envelope);
    if (answersFromEvent(live, object)) {
      return graphqlJs.execute({
        schema: args.schema,
        document: args.document,
        operationName: args.operationName,
        variableValues: args.variableValues,
        rootValue: { [live.rootField.name.value]: object },
      }) as ExecutionResult;
    }
    if (!refetchQuery) throw new AppError('BAD_USER_INPUT', `${field.name} answers from its event only; it carries ${Object.keys(object).join(', ')}`);
    return { data: await run(refetchQuery, event.envelope.entity.id) };
  };

  void (async () => {
    try {
      // Refuses another tenant's entity before anything is sent (the snapshot query does it too).
      if (field.authorize && (!snapshotQuery || live.after !== undefined)) await run(entityQueryOf(args.document, live, field.authorize, 'typename'), live.key);
      if (stopped) return;
      const items = openFeed(deps, {
        selectors: [{ filter: filterOf(deps.prefix, field), index: field.index, keyOf: field.keyOf, key: live.key }],
        tenantId: args.caller.identity.tenantId,
        after: live.after,
        snapshot: snapshotQuery ? () => run(snapshotQuery, live.key) : undefined,
      });
      feed = items as AsyncQueue<unknown>;
      if (stopped) void items.return();
      for await (const item of items) {
        if (item.kind === 'error') throw item.error;
        if (item.kind === 'snapshot') send({ data: item.value as Record<string, unknown> }, item.seq);
        else send(await render(item.event), item.event.seq);
      }
    } catch (error) {
      if (!(error instanceof AppError)) deps.logger.error({ err: error, field: field.name }, 'live subscription failed');
      output.push(errorResult(error));
    } finally {
      output.end();
    }
  })();
  return output;
}
