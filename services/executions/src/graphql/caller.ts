import { requireIdentity, requirePermission, type Permission } from '@conveyor/identity';
import type { RequestContext } from '@conveyor/service-runtime';

/**
 * The tenant of the verified caller, who must hold `permission` (`workflow:read` to read,
 * `workflow:run` to start and control executions). Every query of the engine is scoped by it.
 */
export function callerTenant(context: RequestContext, permission: Permission = 'workflow:read'): string {
  return requirePermission(requireIdentity(context), permission).tenantId;
}
