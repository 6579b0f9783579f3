import { unwrapResolverError } from '@apollo/server/errors';
import { AppError, asClientError, isErrorCode } from '@conveyor/errors';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from './logger';

/**
 * Maps errors to GraphQL answers through the one registry: an `AppError` keeps its code, message
 * and details (a database data exception a client's value raised answers as one, see
 * `asClientError`); Apollo's own request errors keep their code; anything else is logged and answered
 * as `INTERNAL_ERROR` without internals.
 */
export function createFormatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const unwrapped = unwrapResolverError(error);
    const original = asClientError(unwrapped);
    // A value a service's own checks let through to the database: answered 400, worth a look.
    if (original !== unwrapped) logger.warn({ err: unwrapped }, 'database refused a client value');
    if (original instanceof AppError) {
      return {
        message: original.message,
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { code: original.code, details: original.details ?? null },
      };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR' && (isErrorCode(code) || !formatted.path)) {
      return formatted;
    }
    logger.error({ err: original }, 'unhandled GraphQL error');
    return {
      message: 'Internal server error',
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: 'INTERNAL_ERROR' },
    };
  };
}
