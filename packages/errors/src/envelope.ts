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

/**
 * SQLSTATEs that only a value sent by a client raises, when a check before the database missed
 * it: class 22 (data exception: a NUL byte in text or jsonb, a `\u0000` or lone-surrogate escape,
 * a number or date out of range) and 54001 (statement too complex: a value nested too deep).
 */
function databaseDataException(error: unknown): { sqlstate: string; message: string } | null {
  for (let current = error, hops = 0; current && typeof current === 'object' && hops < 5; current = (current as { cause?: unknown }).cause, hops += 1) {
    const { code, severity, message } = current as { code?: unknown; severity?: unknown; message?: unknown };
    if (typeof code === 'string' && typeof severity === 'string' && /^(22[0-9A-Z]{3}|54001)$/.test(code)) {
      return { sqlstate: code, message: typeof message === 'string' ? message : code };
    }
  }
  return null;
}

/**
 * The error a client is answered with: an `AppError` as it is; a database data exception (see
 * above) as a 400 `VALIDATION_ERROR` naming PostgreSQL's reason, never a 500; anything else as is
 * (internal). Services validate what they store first; this is the net under those checks.
 */
export function asClientError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const exception = databaseDataException(error);
  if (!exception) return error;
  return new AppError('VALIDATION_ERROR', `The request holds a value the database refuses: ${exception.message}`, { details: { sqlstate: exception.sqlstate }, cause: error });
}

export function toPublicError(raw: unknown): PublicError {
  const error = asClientError(raw);
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
