import { gatewayRateLimitSubject } from '@conveyor/contracts';
import { AppError } from '@conveyor/errors';
import { createTokenVerifier, natsKeySource, subscribeToRevocations, type TokenVerifier } from '@conveyor/identity';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { NatsConnection } from 'nats';
import { createSharedWindowCounter, type SharedWindowCounter } from './shared-window-counter';

/** Operational endpoints that probes and scrapers call: never limited. */
const exempt = /^\/(health|livez|readyz|metrics|openapi\.json|docs)(\/|$|\?)/;

/**
 * The general per-user limit (`002_*.txt`: 100 requests per minute per user, configurable),
 * shared by every gateway replica through `counter`. The key is the verified user id; requests
 * without a valid token count against their client address (a forged token cannot borrow a
 * victim's budget, because only a verified `sub` names a user). Over the limit: 429
 * `RATE_LIMIT_EXCEEDED` with `Retry-After`; every answer carries `X-RateLimit-Limit` and
 * `X-RateLimit-Remaining`.
 */
export function registerPerUserRateLimit(app: FastifyInstance, options: { counter: SharedWindowCounter; limit: number; verifier: Pick<TokenVerifier, 'verifyAuthorization'> }): void {
  const keyOf = async (request: FastifyRequest): Promise<string> => {
    try {
      const identity = await options.verifier.verifyAuthorization(request.headers.authorization);
      if (identity) return `user:${identity.userId}`;
    } catch {
      // A bad token is refused downstream; here it counts against the address.
    }
    return `ip:${request.ip}`;
  };
  app.addHook('onRequest', async (request, reply) => {
    if (exempt.test(request.url)) return;
    const { total, resetsInMs } = options.counter.hit(await keyOf(request));
    reply.header('x-ratelimit-limit', String(options.limit));
    reply.header('x-ratelimit-remaining', String(Math.max(0, options.limit - total)));
    if (total > options.limit) {
      const retryAfter = Math.max(1, Math.ceil(resetsInMs / 1000));
      reply.header('retry-after', String(retryAfter));
      throw new AppError('RATE_LIMIT_EXCEEDED', `More than ${options.limit} requests in a minute`, { details: { limit: options.limit, retry_after_seconds: retryAfter } });
    }
  });
}

/** Wires the limit on a gateway: its own verifier (auth's JWKS over NATS) and a counter shared with the other replicas. */
export function createPerUserRateLimit(app: FastifyInstance, options: { nc: NatsConnection; prefix: string; limit: number }): void {
  const verifier = createTokenVerifier({ keys: natsKeySource(options.nc, options.prefix) });
  const revocations = subscribeToRevocations(options.nc, options.prefix, verifier);
  const counter = createSharedWindowCounter({ transport: options.nc, subject: gatewayRateLimitSubject(options.prefix), windowMs: 60_000 });
  registerPerUserRateLimit(app, { counter, limit: options.limit, verifier });
  app.addHook('onClose', async () => {
    counter.close();
    revocations.unsubscribe();
  });
}
