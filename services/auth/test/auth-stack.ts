import { randomBytes } from 'node:crypto';
import {
  connectTestNats,
  createTestDatabase,
  createTestStreams,
  deleteTestStreams,
  migrateServices,
  startServiceProcess,
  uniqueName,
  type RunningProcess,
  type TestDatabase,
} from '@conveyor/testing';
import type { NatsConnection } from 'nats';

/** A real auth process and a real gateway in front of it, on their own database and NATS prefix. */
export interface AuthStack {
  database: TestDatabase;
  nc: NatsConnection;
  prefix: string;
  encryptionKey: string;
  authEnv: Record<string, string>;
  auth: RunningProcess & { url: string };
  gateway: RunningProcess & { url: string };
  restartAuth(): Promise<void>;
  stop(): Promise<void>;
}

export async function startAuthStack(label: string, env: Record<string, string> = {}): Promise<AuthStack> {
  const database = await createTestDatabase(label);
  await migrateServices(database.url, ['auth']);
  const nc = await connectTestNats();
  const prefix = uniqueName(label);
  await createTestStreams(nc, prefix);
  const encryptionKey = randomBytes(32).toString('base64');
  const authEnv = { DATABASE_URL: database.url, NATS_PREFIX: prefix, NODE_ENV: 'test', SIGNING_KEY_ENCRYPTION_KEY: encryptionKey, ...env };
  const stack: AuthStack = {
    database,
    nc,
    prefix,
    encryptionKey,
    authEnv,
    auth: await startServiceProcess('auth', authEnv),
    gateway: undefined as never,
    async restartAuth() {
      const port = new URL(stack.auth.url).port;
      await stack.auth.stop();
      stack.auth = await startServiceProcess('auth', { ...authEnv, PORT: port });
    },
    async stop() {
      await stack.gateway?.stop();
      await stack.auth?.stop();
      await deleteTestStreams(nc, prefix);
      await nc.drain();
      await database.drop();
    },
  };
  const nowhere = 'http://127.0.0.1:1/graphql';
  stack.gateway = await startServiceProcess('gateway', {
    AUTH_URL: `${stack.auth.url}/graphql`,
    SCHEMAS_URL: nowhere,
    EXECUTIONS_URL: nowhere,
    SCHEDULER_URL: nowhere,
    CATALOG_URL: nowhere,
    NATS_PREFIX: prefix,
    NODE_ENV: 'test',
  });
  return stack;
}

/** A JSON request to a base URL; answers status, headers and parsed body. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const hasBody = options.body !== undefined || options.rawBody !== undefined;
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...options.headers },
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: response.status, headers: response.headers, body };
}

/** A GraphQL operation through a base URL's `/graphql`. */
export async function graphql(baseUrl: string, query: string, variables: Record<string, unknown> = {}, authorization?: string) {
  const result = await call(baseUrl, 'POST', '/graphql', { body: { query, variables }, headers: authorization ? { authorization } : {} });
  return result.body as { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions: { code: string; details?: unknown } }> };
}
