export { errorRegistry, isErrorCode, statusOf, type ErrorCode } from './registry';
export {
  AppError,
  AuthError,
  ConflictError,
  DuplicateError,
  ForbiddenError,
  NotFoundError,
  UnavailableError,
  ValidationError,
  type AppErrorOptions,
  type ErrorDetails,
} from './errors';
export { asClientError, fromCode, toEnvelope, toPublicError, type ErrorEnvelope, type PublicError } from './envelope';
