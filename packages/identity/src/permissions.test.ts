import { roles } from '@conveyor/contracts';
import { describe, expect, it } from 'vitest';
import { can, permissions, requirePermission, type Permission } from './permissions';
import { requireIdentity, requireRole } from './require-identity';

const identity = (role: (typeof roles)[number]) => ({ userId: 'u', tenantId: 't', role, username: 'x' });

describe('permission matrix', () => {
  it('is cumulative: a higher role keeps every permission of a lower one', () => {
    for (const permission of Object.keys(permissions) as Permission[]) {
      const allowed = roles.map((role) => can(identity(role), permission));
      const first = allowed.indexOf(true);
      expect(first).toBeGreaterThanOrEqual(0);
      expect(allowed.slice(first).every(Boolean)).toBe(true);
    }
  });

  it('matches the documented roles', () => {
    expect(can(identity('analyst'), 'workflow:run')).toBe(true);
    expect(can(identity('analyst'), 'workflow:write')).toBe(false);
    expect(can(identity('engineer'), 'workflow:write')).toBe(true);
    expect(can(identity('engineer'), 'catalog:write')).toBe(false);
    expect(can(identity('architect'), 'catalog:write')).toBe(true);
    expect(can(identity('architect'), 'users:manage')).toBe(false);
    expect(can(identity('admin'), 'users:manage')).toBe(true);
  });

  it('throws the registry errors', () => {
    expect(() => requireIdentity({ identity: null })).toThrow(expect.objectContaining({ code: 'AUTH_FAILED' }));
    expect(() => requireRole(identity('analyst'), 'admin')).toThrow(expect.objectContaining({ code: 'PERMISSION_DENIED' }));
    expect(() => requirePermission(identity('engineer'), 'catalog:write')).toThrow(expect.objectContaining({ code: 'PERMISSION_DENIED' }));
    expect(requireRole(identity('admin'), 'engineer', 'admin').role).toBe('admin');
  });
});
