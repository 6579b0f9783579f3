import { AppError, type ErrorDetails } from './errors';
import { errorRegistry, isErrorCode, type ErrorCode } from './registry';

/** The documented REST error body: `{"error":{"code","message","details","request_id"}}`. */
export interface ErrorEnvelope {
  error: {
    code: string;
    message: string;
    details: ErrorDetails | null;
    request_id: string;
  };
}

/** What a client may learn about a failure: internal errors lose their message. */
export interface PublicError {
  code: ErrorCode;
  status: number;
  message: string;
  details: ErrorDetails | null;
}

export function toPublicError(error: unknown): PublicError {
  if (error instanceof AppError) {
    return { code: error.code, status: error.status, message: error.message, details: error.details ?? null };
  }
  return { code: 'INTERNAL_ERROR', status: 500, message: errorRegistry.INTERNAL_ERROR.message, details: null };
}

export function toEnvelope(error: PublicError, requestId: string): ErrorEnvelope {
  return { error: { code: error.code, message: error.message, details: error.details, request_id: requestId } };
}

/**
 * Rebuilds an `AppError` from a code and message that crossed a process boundary (a GraphQL
 * `extensions.code`, a NATS reply header). Unknown codes become internal errors.
 */
export function fromCode(code: unknown, message: string, details?: ErrorDetails): AppError {
  if (!isErrorCode(code)) return new AppError('INTERNAL_ERROR');
  return new AppError(code, message, details === undefined ? {} : { details });
}
