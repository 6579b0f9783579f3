import type { ServiceRuntime } from '@conveyor/service-runtime';
import type { SigningKeys } from '../domain/signing-keys';

/** `GET /.well-known/jwks.json`: the same key set as `<prefix>.auth.jwks`, for HTTP verifiers. */
export function registerJwksRoute(app: ServiceRuntime<never>['app'], keys: SigningKeys): void {
  app.get('/.well-known/jwks.json', async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=60');
    return { keys: await keys.publicKeys() };
  });
}
