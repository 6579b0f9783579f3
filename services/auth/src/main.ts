import { readFileSync } from 'node:fs';
import { createStatusService, startServiceRuntime } from '@conveyor/service-runtime';
import packageJson from '../package.json' with { type: 'json' };
import * as tables from './db/schema';
import { selectRecentRevocations } from './db/user-rows';
import { createAuthService } from './domain/auth-service';
import { createKeyEncryption } from './domain/key-encryption';
import { createPasswordHasher } from './domain/password-hashing';
import { createSigningKeys } from './domain/signing-keys';
import { developmentEncryptionKey, loadEnv } from './env';
import { createResolvers } from './graphql/resolvers';
import { registerJwksRoute } from './http/jwks-route';
import { serveJwks } from './messaging/serve-jwks';

const env = loadEnv();
const runtime = await startServiceRuntime({ service: 'auth', version: packageJson.version, env, tables });
const status = createStatusService(runtime);
if (!env.SIGNING_KEY_ENCRYPTION_KEY) runtime.logger.warn('SIGNING_KEY_ENCRYPTION_KEY is unset: signing keys are encrypted with the development key');
const keys = createSigningKeys({
  db: runtime.db,
  encryption: createKeyEncryption(env.SIGNING_KEY_ENCRYPTION_KEY ?? developmentEncryptionKey),
  rotationSeconds: env.SIGNING_KEY_ROTATION_SECONDS,
  // A retired key verifies for one token lifetime plus five minutes of clock skew and re-reads.
  graceSeconds: env.ACCESS_TOKEN_TTL_SECONDS + 300,
});
const hasher = await createPasswordHasher({ memoryKib: env.ARGON2_MEMORY_KIB, iterations: env.ARGON2_ITERATIONS, parallelism: env.ARGON2_PARALLELISM });
const auth = createAuthService({
  db: runtime.db,
  hasher,
  keys,
  wake: () => runtime.relay.wake(),
  settings: {
    prefix: env.NATS_PREFIX,
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
    defaultTenant: env.DEFAULT_TENANT,
    openRegistration: env.OPEN_REGISTRATION,
    tenantSignup: env.TENANT_SIGNUP,
    loginMaxFailuresPerAccount: env.LOGIN_MAX_FAILURES_PER_ACCOUNT,
    loginFailureWindowSeconds: env.LOGIN_FAILURE_WINDOW_SECONDS,
  },
});

await keys.signer();
const bootstrap = await auth.bootstrap(env.ADMIN_USERNAME && env.ADMIN_PASSWORD ? { username: env.ADMIN_USERNAME, password: env.ADMIN_PASSWORD } : null);
if (bootstrap.adminCreated) runtime.logger.info({ username: env.ADMIN_USERNAME, tenant: bootstrap.tenant.slug }, 'created the bootstrap admin');

const jwks = serveJwks({
  nc: runtime.nc,
  prefix: env.NATS_PREFIX,
  keys,
  // A revocation matters while tokens issued before it can be alive: one lifetime plus skew.
  revocations: () => selectRecentRevocations(runtime.db, env.ACCESS_TOKEN_TTL_SECONDS + 300),
  logger: runtime.logger,
});
runtime.onShutdown({ name: 'jwks responder', run: async () => jwks.unsubscribe() });
registerJwksRoute(runtime.app, keys);
await runtime.serveGraphQL(readFileSync(new URL('./graphql/schema.graphql', import.meta.url), 'utf8'), createResolvers({ status, auth }));
await runtime.listen();
