import { jwksRequest, requestSubject } from '@conveyor/contracts';
import { serveRequests, type Logger, type ServiceRuntime } from '@conveyor/service-runtime';
import type { SigningKeys } from '../domain/signing-keys';

/** Answers `<prefix>.auth.jwks` for every verifier of the platform (queue group: one replica answers). */
export function serveJwks(deps: {
  nc: ServiceRuntime<never>['nc'];
  prefix: string;
  keys: SigningKeys;
  /** Users whose older access tokens are revoked (see `selectRecentRevocations`). */
  revocations: () => Promise<Array<{ userId: string; tokensValidAfter: Date }>>;
  logger: Logger;
}): ReturnType<typeof serveRequests> {
  return serveRequests({
    nc: deps.nc,
    subject: requestSubject(deps.prefix, 'auth', jwksRequest.verb),
    queue: 'auth',
    contract: jwksRequest,
    logger: deps.logger,
    handle: async () => ({
      keys: await deps.keys.publicKeys(),
      revocations: (await deps.revocations()).map((r) => ({ user_id: r.userId, tokens_valid_after: r.tokensValidAfter.toISOString() })),
    }),
  });
}
