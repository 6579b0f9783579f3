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
  /**
   * With `pipelines`: creates a schema (a pipeline) through the real schemas service, active and
   * as the platform tenant's admin unless told otherwise, and returns its id.
   */
  createPipeline(name?: string, options?: { authorization?: string; status?: 'draft' | 'active' | 'archived' }): Promise<string>;
  /** With `pipelines`: soft-deletes a schema of the platform's tenant. */
  deletePipeline(id: string): Promise<void>;
  /** With `pipelines`: the schemas service's process (stop it to see the scheduler without it). */
  schemas: RunningProcess | null;
  /** A durable pull consumer on `<prefix>.tasks.<taskType>`, as a handler would create it. */
  handlerConsumer(taskType: string, name: string): Promise<Consumer>;
  destroy(): Promise<void>;
}

export async function startSchedulerPlatform(
  label: string,
  /**
   * `pipelines`: also run the real catalog and schemas services, so that triggers and manual runs
   * can name pipelines that exist (the scheduler asks schemas about them).
   */
  options: { env?: Record<string, string>; gateway?: boolean; pipelines?: boolean } = {},
): Promise<SchedulerPlatform> {
  const db = await createTestDatabase(label);
  await migrateServices(db.url, options.pipelines ? ['auth', 'catalog', 'schemas', 'scheduler'] : ['auth', 'scheduler']);
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
  let schemasUrl: string | null = null;
  const schemasGraphql = async <T>(query: string, variables: Record<string, unknown>, authorization: string): Promise<T> => {
    if (!schemasUrl) throw new Error('start the platform with { pipelines: true }');
    const response = await fetch(schemasUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify({ query, variables }) });
    const body = (await response.json()) as { data?: T; errors?: unknown };
    if (!body.data || body.errors) throw new Error(`schemas: ${JSON.stringify(body.errors)}`);
    return body.data;
  };
  const extras: RunningProcess[] = [];
  const auth = await startServiceProcess('auth', { DATABASE_URL: db.url, NATS_PREFIX: prefix });
  extras.push(auth);
  const tenant = await createTestTenant(auth.url, label);
  let schemas: RunningProcess | null = null;
  if (options.pipelines) {
    extras.push(await startServiceProcess('catalog', { DATABASE_URL: db.url, NATS_PREFIX: prefix }));
    const started = await startServiceProcess('schemas', { DATABASE_URL: db.url, NATS_PREFIX: prefix });
    extras.push(started);
    schemas = started;
    schemasUrl = `${started.url}/graphql`;
  }
  const platform: SchedulerPlatform = {
    prefix,
    db,
    sql: new pg.Pool({ connectionString: db.url, max: 4 }),
    nc,
    schedulers,
    gatewayUrl: null,
    authUrl: auth.url,
    tenant,
    schemas,
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
    async createPipeline(name = `pipeline ${Math.random().toString(36).slice(2, 8)}`, { authorization = tenant.admin.authorization, status = 'active' } = {}) {
      const data = await schemasGraphql<{ createSchema: { id: string } }>(
        'mutation ($input: CreateSchemaInput!) { createSchema(input: $input) { id } }',
        { input: { name, status, nodes: [{ id: 'start', type: 'trigger.manual' }], edges: [] } },
        authorization,
      );
      return data.createSchema.id;
    },
    async deletePipeline(id) {
      await schemasGraphql('mutation ($id: ID!) { deleteSchema(id: $id) }', { id }, tenant.admin.authorization);
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
    const gateway = await startServiceProcess('gateway', {
      SCHEDULER_URL: `${first.url}/graphql`,
      AUTH_URL: `${auth.url}/graphql`,
      ...(schemasUrl ? { SCHEMAS_URL: schemasUrl } : {}),
      NATS_PREFIX: prefix,
    });
    extras.push(gateway);
    platform.gatewayUrl = gateway.url;
  }
  return platform;
}
