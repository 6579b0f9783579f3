import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { jwksRequest, requestSubject, streamName } from '@conveyor/contracts';
import { createLogger } from '@conveyor/service-runtime';
import { startServiceProcess, type RunningProcess } from '@conveyor/testing';
import { createClient, type Client } from 'graphql-ws';
import { DeliverPolicy, type NatsConnection, type Subscription } from 'nats';
import WebSocket from 'ws';
import { startEngineHarness, type EngineHarness } from '../../services/executions/test/engine-harness';
import { buildGatewayApp, type GatewayApp } from '../src/app';
import { loadGatewayEnv } from '../src/env';
import { routes } from '../src/rest/routes/index';

/**
 * Live status end to end: the real execution engine (in this process, real PostgreSQL and
 * JetStream, outbox relay to the EVENTS stream), a real executions subgraph process on the same
 * database for the gateway's queries, and the real gateway in this process listening on a free
 * port, with NATS. Tokens are EdDSA access tokens signed here and verified by the gateway and the
 * subgraph through the JWKS request auth answers (`<prefix>.auth.jwks`): this file answers it,
 * because the auth service's token issuance was not committed when these tests were written.
 */
export interface LiveHarness {
  engine: EngineHarness;
  gateway: GatewayApp;
  url: string;
  wsUrl: string;
  tenantId: string;
  /** Polls the execution (in the harness's tenant) until it reaches one of `statuses`. */
  waitForStatus(executionId: string, statuses?: string[]): Promise<void>;
  token(options?: { tenantId?: string; userId?: string; expiresInSeconds?: number }): string;
  client(token: string | undefined, onClosed?: (code: number, reason: string) => void): Client;
  /** `executions.execution.updated` (and other) events of one entity in the stream, in order. */
  streamEvents(subjectSuffix: string, match: (data: Record<string, unknown>) => boolean): Promise<Array<{ seq: number; data: Record<string, unknown> }>>;
  close(): Promise<void>;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function signToken(privateKey: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const input = `${base64url({ alg: 'EdDSA', typ: 'at+jwt', kid })}.${base64url(claims)}`;
  return `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`;
}

function serveJwks(nc: NatsConnection, prefix: string): { privateKey: KeyObject; kid: string; subscription: Subscription } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const kid = randomUUID();
  const jwk = { ...(publicKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string }), kid, alg: 'EdDSA', use: 'sig' };
  const subscription = nc.subscribe(requestSubject(prefix, 'auth', jwksRequest.verb), {
    callback: (_error, message) => message.respond(new TextEncoder().encode(JSON.stringify({ keys: [jwk] }))),
  });
  return { privateKey, kid, subscription };
}

export async function startLiveHarness(label: string, env: Record<string, string> = {}): Promise<LiveHarness> {
  const engine = await startEngineHarness(label);
  const tenantId = randomUUID();
  const { privateKey, kid, subscription } = serveJwks(engine.nc, engine.prefix);
  let executions: (RunningProcess & { url: string }) | undefined;
  let gateway: GatewayApp | undefined;
  try {
    executions = await startServiceProcess('executions', { DATABASE_URL: engine.db.url, NATS_PREFIX: engine.prefix, STEP_CONCURRENCY: '2' });
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
    await executions?.stop();
    subscription.unsubscribe();
    await engine.close();
    throw error;
  }
  const { port } = gateway.app.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const wsUrl = `ws://127.0.0.1:${port}/graphql`;
  const clients: Client[] = [];
  return {
    engine,
    gateway,
    url,
    wsUrl,
    tenantId,
    async waitForStatus(executionId, statuses = ['completed', 'failed', 'stopped']) {
      for (;;) {
        const execution = await engine.service.get(tenantId, executionId).catch(() => null);
        if (execution && statuses.includes(execution.status)) return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    token(options = {}) {
      const now = Math.floor(Date.now() / 1000);
      return signToken(privateKey, kid, {
        iss: 'urn:conveyor:auth',
        aud: 'urn:conveyor:api',
        sub: options.userId ?? randomUUID(),
        tid: options.tenantId ?? tenantId,
        role: 'engineer',
        preferred_username: 'live-tester',
        iat: now,
        exp: now + (options.expiresInSeconds ?? 600),
      });
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
      await executions!.stop();
      subscription.unsubscribe();
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
