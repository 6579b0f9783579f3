import { errorRegistry, type ErrorCode } from './registry';

/** Structured, client-safe information attached to an error (field problems, limits, ids). */
export type ErrorDetails = Record<string, unknown> | Array<Record<string, unknown>>;

export interface AppErrorOptions {
  details?: ErrorDetails;
  cause?: unknown;
}

/**
 * An error whose code, message and details may be shown to a client. Anything that is not an
 * `AppError` is an internal failure and is answered without its message.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message?: string, options: AppErrorOptions = {}) {
    super(message ?? errorRegistry[code].message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
  }

  get status(): number {
    return errorRegistry[this.code].status;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super('VALIDATION_ERROR', message, options);
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super('RESOURCE_NOT_FOUND', message, options);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super('CONFLICT', message, options);
    this.name = 'ConflictError';
  }
}

export class DuplicateError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super('DUPLICATE_RESOURCE', message, options);
    this.name = 'DuplicateError';
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super('PERMISSION_DENIED', message, options);
    this.name = 'ForbiddenError';
  }
}

export class AuthError extends AppError {
  constructor(code: 'AUTH_FAILED' | 'INVALID_TOKEN' | 'TOKEN_EXPIRED', message?: string, options: AppErrorOptions = {}) {
    super(code, message, options);
    this.name = 'AuthError';
  }
}

export class UnavailableError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super('SERVICE_UNAVAILABLE', message, options);
    this.name = 'UnavailableError';
  }
}
