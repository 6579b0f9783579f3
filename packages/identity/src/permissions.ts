import { ForbiddenError } from '@conveyor/errors';
import type { Identity, Role } from './identity';

/**
 * The permission matrix, in one place. Each action lists the roles allowed to perform it; the
 * roles are cumulative (`analyst` < `engineer` < `architect` < `admin`), which the unit test
 * checks, so a higher role never loses a permission a lower one has.
 */
export const permissions = {
  /** Read schemas, executions, logs, runs, node types, triggers and tasks. */
  'workflow:read': ['analyst', 'engineer', 'architect', 'admin'],
  /** Start, pause, resume, stop existing schemas and runs; create one-off tasks. */
  'workflow:run': ['analyst', 'engineer', 'architect', 'admin'],
  /** Create, edit, publish and delete schemas, triggers and webhook settings. */
  'workflow:write': ['engineer', 'architect', 'admin'],
  /** Read the catalog: databases, streams, scripts, column profiles. */
  'catalog:read': ['analyst', 'engineer', 'architect', 'admin'],
  /** Manage connectors, databases and project settings. */
  'catalog:write': ['architect', 'admin'],
  /** Admin views: deleted entities, restore, purge, observability. */
  'platform:admin': ['admin'],
  /** List users, change roles, disable and enable users. */
  'users:manage': ['admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof permissions;

/** Whether the caller's role grants `permission`. */
export function can(identity: Pick<Identity, 'role'>, permission: Permission): boolean {
  return (permissions[permission] as readonly Role[]).includes(identity.role);
}

/** Returns the identity when it may perform `permission`; otherwise `PERMISSION_DENIED` (403). */
export function requirePermission(identity: Identity, permission: Permission): Identity {
  if (!can(identity, permission)) {
    throw new ForbiddenError(`Your role may not perform ${permission}`, { details: { permission, role: identity.role } });
  }
  return identity;
}
