import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { instanceStartedEvents, jsonNestingLimit, requestSubject, type ServiceName } from '@conveyor/contracts';
import { createTokenVerifier, natsKeySource, subscribeToRevocations, type TokenVerifier } from '@conveyor/identity';
import type { FastifyInstance } from 'fastify';
import type { JetStreamClient, NatsConnection } from 'nats';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { createDatabase } from './db/database';
import type { ServiceEnv } from './env';
import { registerErrorEnvelope } from './http/error-envelope';
import { registerHealthRoutes } from './http/health';
import { createHttpServer } from './http/http-server';
import { registerMetrics } from './http/metrics';
import { createLogger, type Logger } from './logger';
import { connectNats } from './nats/connect';
import { appendEvent } from './outbox/append-event';
import type { OutboxTable } from './outbox/outbox-table';
import { startOutboxRelay, type OutboxRelay } from './outbox/outbox-relay';
import { installShutdown, type ShutdownStep } from './shutdown';
import { mountSubgraph, type SubgraphResolvers } from './subgraph';

/** Everything a service's `main.ts` wires together, built once and passed to its factories. */
export interface ServiceRuntime<TTables extends { outbox: OutboxTable }> {
  service: ServiceName;
  version: string;
  instanceId: string;
  env: ServiceEnv;
  logger: Logger;
  pool: pg.Pool;
  db: NodePgDatabase<TTables>;
  tables: TTables;
  nc: NatsConnection;
  js: JetStreamClient;
  relay: OutboxRelay;
  app: FastifyInstance;
  /** Verifies bearer tokens against auth's JWKS (fetched over NATS, cached); used by `serveGraphQL`. */
  verifier: TokenVerifier;
  /** `<prefix>.<service>.<verb>` for this installation's prefix. */
  requestSubject(service: ServiceName, verb: string): string;
  /** Work to finish on shutdown after intake stops and before NATS drains (consumers, timers). */
  onShutdown(step: ShutdownStep): void;
  serveGraphQL(typeDefs: string, resolvers: SubgraphResolvers): Promise<void>;
  /** Starts listening, announces the instance through the outbox and reports ready. */
  listen(): Promise<string>;
}

export async function startServiceRuntime<TTables extends { outbox: OutboxTable }>(options: {
  service: ServiceName;
  version: string;
  env: ServiceEnv;
  tables: TTables;
}): Promise<ServiceRuntime<TTables>> {
  const { service, env, version } = options;
  const instanceId = `${service}-${randomUUID().slice(0, 8)}`;
  const logger = createLogger(service, env.LOG_LEVEL);
  const { pool, db } = createDatabase({
    url: env.DATABASE_URL,
    schemaName: service,
    poolMax: env.DATABASE_POOL_MAX,
    randomPageCost: env.DATABASE_RANDOM_PAGE_COST,
    tables: options.tables,
    applicationName: instanceId,
  });
  const nc = await connectNats({ url: env.NATS_URL, name: instanceId, logger });
  const js = nc.jetstream();
  const verifier = createTokenVerifier({ keys: natsKeySource(nc, env.NATS_PREFIX) });
  subscribeToRevocations(nc, env.NATS_PREFIX, verifier);
  const relay = startOutboxRelay({ pool, schemaName: service, nc, logger, pollMs: env.OUTBOX_POLL_MS });

  const app = createHttpServer({ logger, bodyLimit: env.BODY_LIMIT_BYTES, maxJsonDepth: jsonNestingLimit + 16 });
  registerErrorEnvelope(app, { bodyLimit: env.BODY_LIMIT_BYTES, graphqlPath: '/graphql' });
  registerMetrics(app, service);
  let acceptingWork = false;
  registerHealthRoutes(app, {
    version,
    isAcceptingWork: () => acceptingWork,
    checks: {
      database: async () => void (await pool.query('select 1')),
      nats: async () => {
        if (nc.isClosed()) throw new Error('connection closed');
        await nc.flush();
      },
    },
  });

  const extraSteps: ShutdownStep[] = [];
  installShutdown({
    logger,
    timeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    steps: () => [
      { name: 'stop intake', run: async () => { acceptingWork = false; await app.close(); } },
      ...extraSteps,
      { name: 'outbox relay', run: () => relay.stop() },
      { name: 'nats drain', run: () => nc.drain() },
      { name: 'database pool', run: () => pool.end() },
    ],
  });

  return {
    service,
    version,
    instanceId,
    env,
    logger,
    pool,
    db,
    tables: options.tables,
    nc,
    js,
    relay,
    app,
    verifier,
    requestSubject: (target, verb) => requestSubject(env.NATS_PREFIX, target, verb),
    onShutdown: (step) => void extraSteps.push(step),
    async serveGraphQL(typeDefs, resolvers) {
      await mountSubgraph(app, { typeDefs, resolvers, logger, production: env.NODE_ENV === 'production', verifier });
    },
    async listen() {
      const address = await app.listen({ port: env.PORT, host: env.HOST });
      await appendEvent(db, options.tables.outbox, {
        prefix: env.NATS_PREFIX,
        contract: instanceStartedEvents[service],
        tenantId: null,
        entity: { typename: 'ServiceInstance', id: instanceId },
        data: { instance_id: instanceId, version, hostname: hostname() },
      });
      relay.wake();
      acceptingWork = true;
      logger.info({ address }, `${service} listening`);
      return address;
    },
  };
}
