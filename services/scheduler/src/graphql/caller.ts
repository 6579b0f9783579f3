import { requireIdentity, requirePermission, type Permission } from '@conveyor/identity';
import type { RequestContext } from '@conveyor/service-runtime';

export interface Caller {
  tenantId: string;
  userId: string;
}

/**
 * The verified caller, once its role grants `permission` (401 without a token, 403 otherwise).
 * Reading tasks and triggers is `workflow:read`; creating and cancelling tasks and running a
 * pipeline by hand `workflow:run` (analysts too); managing triggers `workflow:write`.
 */
export function authorize(context: RequestContext, permission: Permission): Caller {
  const identity = requirePermission(requireIdentity(context), permission);
  return { tenantId: identity.tenantId, userId: identity.userId };
}
