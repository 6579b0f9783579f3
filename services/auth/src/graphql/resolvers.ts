import { requireIdentity } from '@conveyor/identity';
import { serviceStatusFieldResolvers, type RequestContext, type StatusService, type SubgraphResolvers } from '@conveyor/service-runtime';
import type { AuthService, TokenPair } from '../domain/auth-service';
import type { TenantRow, UserRow } from '../db/user-rows';

const userFields = {
  disabled: (user: UserRow) => user.disabledAt !== null,
  createdAt: (user: UserRow) => user.createdAt.toISOString(),
  lastLogin: (user: UserRow) => user.lastLoginAt?.toISOString() ?? null,
};

const tokens = (pair: TokenPair) => ({ ...pair, refreshExpiresAt: pair.refreshExpiresAt.toISOString() });

export function createResolvers(deps: { status: StatusService; auth: AuthService }): SubgraphResolvers {
  const { auth } = deps;
  return {
    Query: {
      authStatus: () => deps.status.own(),
      authPeerStatus: () => deps.status.ofPeer('schemas'),
      me: (_: unknown, __: unknown, context: RequestContext) => auth.me(requireIdentity(context)),
      users: (_: unknown, args: { limit: number; offset: number }, context: RequestContext) =>
        auth.listUsers(requireIdentity(context), args.limit, args.offset),
    },
    Mutation: {
      register: (_: unknown, args: { input: unknown }) => auth.register(args.input),
      login: async (_: unknown, args: { input: unknown }) => tokens(await auth.login(args.input)),
      refreshToken: async (_: unknown, args: { refreshToken: string }) => tokens(await auth.refresh(args.refreshToken)),
      logout: (_: unknown, args: { refreshToken?: string | null }, context: RequestContext) =>
        auth.logout(context.identity ?? null, args.refreshToken ?? null),
      changePassword: async (_: unknown, args: Record<string, unknown>, context: RequestContext) => {
        await auth.changePassword(requireIdentity(context), args);
        return true;
      },
      createTenant: (_: unknown, args: { input: unknown }, context: RequestContext) => auth.createTenant(context.identity ?? null, args.input),
      createUser: (_: unknown, args: { input: unknown }, context: RequestContext) => auth.createUser(requireIdentity(context), args.input),
      setUserRole: (_: unknown, args: { userId: string; role: string }, context: RequestContext) =>
        auth.setUserRole(requireIdentity(context), args.userId, args.role),
      setUserDisabled: (_: unknown, args: { userId: string; disabled: boolean }, context: RequestContext) =>
        auth.setUserDisabled(requireIdentity(context), args.userId, args.disabled),
    },
    User: {
      ...userFields,
      __resolveReference: (reference: { id: string }, context: RequestContext) => auth.userReference(requireIdentity(context), reference.id),
    },
    Tenant: { createdAt: (tenant: TenantRow) => tenant.createdAt.toISOString() },
    ServiceStatus: serviceStatusFieldResolvers,
  };
}
