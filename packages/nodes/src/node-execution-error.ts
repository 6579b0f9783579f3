/**
 * What an executor throws when its node fails. `retryable` tells the engine whether another
 * attempt (within the descriptor's retry policy) can help: a 503 or a timeout can, a `fail` node
 * or an expression that does not evaluate cannot. Any other thrown error counts as retryable.
 */
export class NodeExecutionError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: { retryable: boolean; details?: Record<string, unknown>; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'NodeExecutionError';
    this.code = code;
    this.retryable = options.retryable;
    this.details = options.details;
  }
}

/** Whether the engine may try an error again: unknown errors are assumed transient. */
export function isRetryable(error: unknown): boolean {
  return error instanceof NodeExecutionError ? error.retryable : true;
}
