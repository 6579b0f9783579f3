import { streamName } from '@conveyor/contracts';
import {
  connectTestNats,
  createTestDatabase,
  createTestTenant,
  createTestStreams,
  deleteTestStreams,
  migrateServices,
  startServiceProcess,
  uniqueName,
  type RunningProcess,
  type TestDatabase,
  type TestTenant,
} from '@conveyor/testing';
import { AckPolicy, type Consumer, type NatsConnection } from 'nats';
import pg from 'pg';

/**
 * A scheduler for one test file: its own database and NATS prefix, the real auth service (tokens
 * and JWKS), real scheduler processes (`src/main.ts`) and, on request, the real gateway.
 */
export interface SchedulerPlatform {
  prefix: string;
  db: TestDatabase;
  sql: pg.Pool;
  nc: NatsConnection;
  schedulers: Array<RunningProcess & { url: string }>;
  gatewayUrl: string | null;
  authUrl: string;
  /** A tenant created through the real auth service; its admin is the default caller. */
  tenant: TestTenant;
  env: Record<string, string>;
  startScheduler(extra?: Record<string, string>): Promise<RunningProcess & { url: string }>;
  graphql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, authorization?: string | null): Promise<{ data?: T; errors?: Array<{ message: string; extensions: { code: string; details?: unknown } }> }>;
  /** A durable pull consumer on `<prefix>.tasks.<taskType>`, as a handler would create it. */
  handlerConsumer(taskType: string, name: string): Promise<Consumer>;
  destroy(): Promise<void>;
}

export async function startSchedulerPlatform(
  label: string,
  options: { env?: Record<string, string>; gateway?: boolean } = {},
): Promise<SchedulerPlatform> {
  const db = await createTestDatabase(label);
  await migrateServices(db.url, ['auth', 'scheduler']);
  const nc = await connectTestNats();
  const prefix = uniqueName(label);
  await createTestStreams(nc, prefix);
  const env = {
    DATABASE_URL: db.url,
    NATS_PREFIX: prefix,
    SCHEDULER_RETRY_BASE_MS: '50',
    SCHEDULER_RETRY_MAX_MS: '200',
    SCHEDULER_POLL_MS: '200',
    ...options.env,
  };
  const schedulers: Array<RunningProcess & { url: string }> = [];
  const extras: RunningProcess[] = [];
  const auth = await startServiceProcess('auth', { DATABASE_URL: db.url, NATS_PREFIX: prefix });
  extras.push(auth);
  const tenant = await createTestTenant(auth.url, label);
  const platform: SchedulerPlatform = {
    prefix,
    db,
    sql: new pg.Pool({ connectionString: db.url, max: 4 }),
    nc,
    schedulers,
    gatewayUrl: null,
    authUrl: auth.url,
    tenant,
    env,
    async startScheduler(extra = {}) {
      const process = await startServiceProcess('scheduler', { ...env, ...extra });
      schedulers.push(process);
      return process;
    },
    async graphql(query, variables = {}, authorization = tenant.admin.authorization) {
      const response = await fetch(`${schedulers[0]!.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as never;
    },
    async handlerConsumer(taskType, name) {
      const stream = streamName(prefix, 'TASKS');
      const jsm = await nc.jetstreamManager();
      await jsm.consumers.add(stream, { durable_name: name, filter_subject: `${prefix}.tasks.${taskType}`, ack_policy: AckPolicy.Explicit });
      return nc.jetstream().consumers.get(stream, name);
    },
    async destroy() {
      for (const process of [...extras, ...schedulers]) await process.stop('SIGKILL');
      await platform.sql.end();
      await deleteTestStreams(nc, prefix);
      await nc.drain();
      await db.drop();
    },
  };
  const first = await platform.startScheduler();
  if (options.gateway) {
    const gateway = await startServiceProcess('gateway', { SCHEDULER_URL: `${first.url}/graphql`, AUTH_URL: `${auth.url}/graphql`, NATS_PREFIX: prefix });
    extras.push(gateway);
    platform.gatewayUrl = gateway.url;
  }
  return platform;
}
