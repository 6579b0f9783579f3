import type { RequestContext } from '@conveyor/service-runtime';
import { AuthError } from '@conveyor/errors';

/** Roles allowed to start and control executions (every role may read). */
export const operatorRoles = ['engineer', 'architect', 'admin'] as const;

/**
 * The tenant of the verified caller. Until `@conveyor/identity` lands this refuses every call;
 * see the auth issue.
 */
export function callerTenant(context: RequestContext, _roles?: readonly string[]): string {
  void context;
  throw new AuthError('AUTH_FAILED', 'authentication is not wired yet');
}
