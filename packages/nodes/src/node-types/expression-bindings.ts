import type { ExecutorContext } from '../types';

/** Variables every expression sees besides its input: `$executionId`, `$nodeId`, `$attempt`. */
export function expressionBindings(context: ExecutorContext<unknown>): Record<string, unknown> {
  return { executionId: context.executionId, nodeId: context.nodeId, attempt: context.attempt };
}
