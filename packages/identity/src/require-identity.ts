import { AuthError, ForbiddenError } from '@conveyor/errors';
import type { Identity, Role } from './identity';

/** Anything that carries the verified caller (every subgraph's `RequestContext`). */
export interface HasIdentity {
  identity?: Identity | null;
}

/** The caller, or `AUTH_FAILED` (401) when the request carried no token. */
export function requireIdentity(context: HasIdentity): Identity {
  if (!context.identity) throw new AuthError('AUTH_FAILED', 'Authentication required');
  return context.identity;
}

/** Returns the identity when its role is one of `roles`; otherwise `PERMISSION_DENIED` (403). */
export function requireRole(identity: Identity, ...roles: Role[]): Identity {
  if (!roles.includes(identity.role)) {
    throw new ForbiddenError(`This operation needs the role ${roles.join(' or ')}`, { details: { required: roles, role: identity.role } });
  }
  return identity;
}
