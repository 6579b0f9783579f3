import type { AddressInfo } from 'node:net';
import { streamName } from '@conveyor/contracts';
import { createLogger } from '@conveyor/service-runtime';
import { createTestTenant, createTestUser, migrateServices, startServiceProcess, type RunningProcess, type TestTenant, type TestUser } from '@conveyor/testing';
import { createClient, type Client } from 'graphql-ws';
import { DeliverPolicy } from 'nats';
import WebSocket from 'ws';
import { startEngineHarness, type EngineHarness } from '../../services/executions/test/engine-harness';
import { buildGatewayApp, type GatewayApp } from '../src/app';
import { loadGatewayEnv } from '../src/env';
import { routes } from '../src/rest/routes/index';

/**
 * Live status end to end: the real execution engine (in this process, real PostgreSQL and
 * JetStream, outbox relay to the EVENTS stream), a real executions subgraph process on the same
 * database for the gateway's queries, real auth processes issuing the tokens (a second one with a
 * two-second access-token lifetime, same keys, for the expiry case), and the real gateway in this
 * process listening on a free port, with NATS.
 */
export interface LiveHarness {
  engine: EngineHarness;
  gateway: GatewayApp;
  url: string;
  wsUrl: string;
  tenantId: string;
  /** An engineer of the tenant the executions belong to. */
  user: TestUser;
  /** Polls the execution (in the harness's tenant) until it reaches one of `statuses`. */
  waitForStatus(executionId: string, statuses?: string[]): Promise<void>;
  /** The engineer's access token. */
  token(): string;
  /** A token of another user of the same tenant. */
  newUserToken(): Promise<string>;
  /** A token of a user of another tenant. */
  foreignToken(): Promise<string>;
  /** A token of the engineer that expires two seconds after it is issued. */
  shortLivedToken(): Promise<string>;
  client(token: string | undefined, onClosed?: (code: number, reason: string) => void): Client;
  /** `executions.execution.updated` (and other) events of one entity in the stream, in order. */
  streamEvents(subjectSuffix: string, match: (data: Record<string, unknown>) => boolean): Promise<Array<{ seq: number; data: Record<string, unknown> }>>;
  close(): Promise<void>;
}

export async function startLiveHarness(label: string, env: Record<string, string> = {}): Promise<LiveHarness> {
  const engine = await startEngineHarness(label);
  await migrateServices(engine.db.url, ['auth']);
  const processes: Array<RunningProcess & { url: string }> = [];
  let executions: (RunningProcess & { url: string }) | undefined;
  let gateway: GatewayApp | undefined;
  let tenant: TestTenant;
  let user: TestUser;
  let shortAuth: RunningProcess & { url: string };
  let auth: RunningProcess & { url: string };
  try {
    const common = { DATABASE_URL: engine.db.url, NATS_PREFIX: engine.prefix };
    // One after the other: the first creates the signing key, the second finds it.
    auth = await startServiceProcess('auth', common);
    processes.push(auth);
    shortAuth = await startServiceProcess('auth', { ...common, ACCESS_TOKEN_TTL_SECONDS: '2' });
    processes.push(shortAuth);
    tenant = await createTestTenant(auth.url, label);
    user = await tenant.addUser('engineer');
    executions = await startServiceProcess('executions', { ...common, STEP_CONCURRENCY: '2' });
    processes.push(executions);
    gateway = await buildGatewayApp({
      env: loadGatewayEnv({
        NODE_ENV: 'test',
        EXECUTIONS_URL: `${executions.url}/graphql`,
        NATS_PREFIX: engine.prefix,
        LIVE_INIT_TIMEOUT_MS: '400',
        ...env,
      }),
      logger: createLogger('gateway', process.env.TEST_LOG_LEVEL ?? 'silent'),
      routes,
      version: 'test',
      nats: engine.nc,
    });
    await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  } catch (error) {
    await gateway?.app.close();
    for (const running of processes) await running.stop();
    await engine.close();
    throw error;
  }
  const { port } = gateway.app.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const wsUrl = `ws://127.0.0.1:${port}/graphql`;
  const clients: Client[] = [];
  const tenantId = user.tenantId;
  return {
    engine,
    gateway,
    url,
    wsUrl,
    tenantId,
    user,
    async waitForStatus(executionId, statuses = ['completed', 'failed', 'stopped']) {
      for (;;) {
        const execution = await engine.service.get(tenantId, executionId).catch(() => null);
        if (execution && statuses.includes(execution.status)) return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    token: () => user.accessToken,
    newUserToken: async () => (await tenant.addUser('engineer')).accessToken,
    foreignToken: async () => (await createTestUser(auth.url, 'engineer', 'foreign')).accessToken,
    async shortLivedToken() {
      const response = await fetch(`${shortAuth.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'mutation($input: LoginInput!) { login(input: $input) { accessToken } }', variables: { input: { username: user.username, password: user.password } } }),
      });
      return ((await response.json()) as { data: { login: { accessToken: string } } }).data.login.accessToken;
    },
    client(token, onClosed) {
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: true,
        connectionParams: token === undefined ? {} : { authorization: `Bearer ${token}` },
        on: { closed: (event) => onClosed?.((event as { code: number }).code, String((event as { reason: unknown }).reason)) },
      });
      clients.push(client);
      return client;
    },
    async streamEvents(subjectSuffix, match) {
      const consumer = await engine.nc.jetstream().consumers.get(streamName(engine.prefix, 'EVENTS'), {
        filterSubjects: `${engine.prefix}.${subjectSuffix}`,
        // DeliverPolicy.All never delivers with nats.js 2.29's ordered consumer; start at 1 instead.
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: 1,
      });
      const found: Array<{ seq: number; data: Record<string, unknown> }> = [];
      if ((await consumer.info()).num_pending === 0) return found;
      const messages = await consumer.consume();
      for await (const message of messages) {
        const envelope = message.json<{ data: Record<string, unknown> }>();
        if (match(envelope.data)) found.push({ seq: message.seq, data: envelope.data });
        if (message.info.pending === 0) break;
      }
      await messages.close();
      return found;
    },
    async close() {
      for (const client of clients) await client.dispose();
      await gateway!.app.close();
      for (const running of processes) await running.stop();
      await engine.close();
    },
  };
}

/** Collects a subscription's messages until `done(message)` says so; returns them with the iterator's end. */
export async function collect<T = Record<string, unknown>>(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
  done: (message: { data?: T | null; errors?: unknown; extensions?: { sequence?: string } }, all: unknown[]) => boolean,
): Promise<Array<{ data?: T | null; errors?: Array<{ message: string; extensions?: { code?: string } }>; extensions?: { sequence?: string } }>> {
  const messages: Array<{ data?: T | null; errors?: Array<{ message: string; extensions?: { code?: string } }>; extensions?: { sequence?: string } }> = [];
  const iterator = client.iterate<T, { sequence?: string }>({ query, variables });
  try {
    for await (const message of iterator) {
      messages.push(message as never);
      if (done(message as never, messages)) break;
    }
  } catch (error) {
    messages.push({ errors: Array.isArray(error) ? error : [{ message: String((error as Error).message ?? error) }] } as never);
  }
  return messages;
}
