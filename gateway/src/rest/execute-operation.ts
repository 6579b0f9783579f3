import type { ApolloServer } from '@apollo/server';
import { AppError, fromCode, type ErrorDetails } from '@conveyor/errors';
import type { RequestContext } from '@conveyor/service-runtime';
import type { GraphQLFormattedError } from 'graphql';

/**
 * Runs a fixed operation in-process through the gateway's request pipeline (parse and plan are
 * cached per document) and returns its data; the first GraphQL error becomes the registry error
 * its `extensions.code` names.
 */
export async function executeOperation(
  apollo: ApolloServer<RequestContext>,
  operation: string,
  variables: Record<string, unknown>,
  context: RequestContext,
): Promise<Record<string, unknown>> {
  const response = await apollo.executeOperation({ query: operation, variables }, { contextValue: context });
  if (response.body.kind !== 'single') throw new AppError('INTERNAL_ERROR', 'unexpected incremental response');
  const { data, errors } = response.body.singleResult;
  return resultData(data, errors);
}

/** The operation's data, or the registry error its first formatted GraphQL error names. */
export function resultData(data: Record<string, unknown> | null | undefined, errors: readonly GraphQLFormattedError[] | undefined): Record<string, unknown> {
  const first = errors?.[0];
  if (first) {
    throw fromCode(first.extensions?.code, first.message, (first.extensions?.details ?? undefined) as ErrorDetails | undefined);
  }
  return (data ?? {}) as Record<string, unknown>;
}
