import { AppError } from '@conveyor/errors';
import type { GraphQLError } from 'graphql';
import { graphqlJs } from './graphql-js';

/** A registry error as a GraphQL error (code and details in `extensions`); anything else is internal. */
export function toGraphQLError(error: unknown): GraphQLError {
  if (error instanceof graphqlJs.GraphQLError) return error;
  if (error instanceof AppError) {
    return new graphqlJs.GraphQLError(error.message, { extensions: { code: error.code, ...(error.details ? { details: error.details } : {}) } });
  }
  return new graphqlJs.GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_ERROR' } });
}
