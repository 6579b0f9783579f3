import { randomUUID } from 'node:crypto';
import { NotFoundError } from '@conveyor/errors';
import { createDatabase, createLogger, defaultRandomPageCost, startOutboxRelay } from '@conveyor/service-runtime';
import { connectTestNats, createTestDatabase, createTestStreams, deleteTestStreams, migrateServices, uniqueName } from '@conveyor/testing';
import type { NodeModule } from '@conveyor/nodes';
import type { NatsConnection } from 'nats';
import * as tables from '../src/db/schema';
import type { SchemaSource, SchemaVersion, TimerService } from '../src/domain/engine-deps';
import { startEngine, type Engine } from '../src/start-engine';

export interface TestSchema {
  nodes: Array<{ id: string; type: string; config?: Record<string, unknown> }>;
  edges: Array<{ source: string; target: string; source_port?: string }>;
  status?: 'draft' | 'active' | 'archived';
  webhookSecret?: string | null;
}

/**
 * The engine in this process against a fresh database and NATS prefix: real PostgreSQL, real
 * JetStream, real node modules and outbox relay. Schema versions come from `schemas`, a table
 * of definitions held by the test (the schemas service's NATS contract is exercised by the
 * gateway tests); timers use the real scheduler when one is given.
 */
export async function startEngineHarness(label: string, options: { timers?: TimerService; concurrency?: number; ackWaitMs?: number; runSteps?: boolean; sweepAfterMs?: number; extraNodeModules?: Record<string, NodeModule> } = {}) {
  const db = await createTestDatabase(label);
  await migrateServices(db.url, ['executions']);
  const prefix = uniqueName(label);
  const nc: NatsConnection = await connectTestNats();
  await createTestStreams(nc, prefix);
  const logger = createLogger('executions-test', process.env.TEST_LOG_LEVEL ?? 'warn');
  const { pool } = createDatabase({
    url: db.url,
    schemaName: 'executions',
    poolMax: Number(process.env.TEST_POOL_MAX ?? 10),
    tables,
    applicationName: 'executions-test',
    randomPageCost: defaultRandomPageCost,
  });
  const relay = startOutboxRelay({ pool, schemaName: 'executions', nc, logger, pollMs: 50 });
  const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
  const definitions = new Map<string, SchemaVersion>();
  const schemas: SchemaSource = {
    async load(tenant, schemaId) {
      const found = definitions.get(schemaId);
      if (!found || found.tenantId !== tenant) throw new NotFoundError(`schema ${schemaId} not found`);
      return found;
    },
    async loadForWebhook(schemaId) {
      const found = definitions.get(schemaId);
      if (!found) throw new NotFoundError(`schema ${schemaId} not found`);
      return found;
    },
  };
  const timers: TimerService = options.timers ?? {
    set: async () => {
      throw new Error('no scheduler in this test');
    },
    cancel: async () => undefined,
  };
  const engine: Engine = await startEngine({
    pool,
    nc,
    js: nc.jetstream(),
    prefix,
    logger,
    wakeRelay: () => relay.wake(),
    concurrency: options.concurrency ?? 8,
    ackWaitMs: options.ackWaitMs ?? 5_000,
    schemas,
    timers,
    runSteps: options.runSteps ?? true,
    sweepAfterMs: options.sweepAfterMs ?? 3_000,
    ...(options.extraNodeModules ? { extraNodeModules: options.extraNodeModules } : {}),
  });

  return {
    db,
    prefix,
    nc,
    pool,
    engine,
    service: engine.service,
    tenantId,
    addSchema(schema: TestSchema, tenant = tenantId): string {
      const schemaId = randomUUID();
      definitions.set(schemaId, {
        schemaId,
        tenantId: tenant,
        version: 1,
        status: schema.status ?? 'active',
        nodes: schema.nodes.map((n) => ({ config: {}, ...n })),
        edges: schema.edges.map((e, i) => ({ id: `e${i}`, source_port: 'out', target_port: 'in', ...e })),
        webhookSecret: schema.webhookSecret ?? null,
      });
      return schemaId;
    },
    /** Makes `schemaId` answer with the definition of `from` (to build self-referencing schemas). */
    replaceSchema(schemaId: string, from: string) {
      definitions.set(schemaId, { ...definitions.get(from)!, schemaId });
    },
    /** Polls the execution until it reaches one of `statuses` (the test timeout bounds a hang). */
    async waitForStatus(executionId: string, statuses: string[] = ['completed', 'failed', 'stopped']) {
      for (;;) {
        const execution = await engine.service.get(tenantId, executionId).catch(() => null);
        if (execution && statuses.includes(execution.status)) return execution;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async stepsOf(executionId: string) {
      return (await engine.service.steps(tenantId, executionId, { limit: 200, offset: 0 })).items;
    },
    async close() {
      await engine.stop();
      await relay.stop();
      await pool.end();
      await deleteTestStreams(nc, prefix);
      await nc.drain();
      await db.drop();
    },
  };
}

export type EngineHarness = Awaited<ReturnType<typeof startEngineHarness>>;
