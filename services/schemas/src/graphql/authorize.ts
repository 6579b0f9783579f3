import { requireIdentity, requirePermission, type Permission } from '@conveyor/identity';
import type { RequestContext } from '@conveyor/service-runtime';
import type { Actor } from '../domain/schema-view';

/** The verified caller as the domain's actor, once its role grants `permission` (401/403 otherwise). */
export function authorize(context: RequestContext, permission: Permission): Actor {
  const identity = requirePermission(requireIdentity(context), permission);
  return { tenantId: identity.tenantId, userId: identity.userId };
}
