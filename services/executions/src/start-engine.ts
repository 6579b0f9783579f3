import { executionStartRequest, requestSubject, schemaVersionRequest } from '@conveyor/contracts';
import { findNodeModule, type NodeModule } from '@conveyor/nodes';
import type { Logger } from '@conveyor/service-runtime';
import type { JetStreamClient, NatsConnection } from 'nats';
import type pg from 'pg';
import { AbortRegistry } from './domain/abort-registry';
import type { EngineDeps, SchemaSource, TimerService } from './domain/engine-deps';
import { createExecutionService, type ExecutionService } from './domain/execution-service';
import { createGraphStore } from './domain/graph-store';
import { createGroupCommitter } from './domain/group-commit';
import { commitStepBatch } from './db/commit-step-batch';
import { insertStartedExecutions } from './db/insert-started-execution';
import { createInProcessSteps } from './domain/in-process-steps';
import { sweepStuckSteps } from './domain/sweep-stuck-steps';
import { createEngineSignals, createFinishWaiter, listenForAborts } from './messaging/engine-signals';
import { createSchedulerTimers } from './messaging/scheduler-timers';
import { startSchemaDirectoryConsumer } from './messaging/schema-directory-consumer';
import { createSchemasClient } from './messaging/schemas-client';
import { serveStartRequests } from './messaging/serve-start-requests';
import { startStepConsumer } from './messaging/step-consumer';
import { startTimerConsumer } from './messaging/timer-consumer';

export interface EngineOptions {
  pool: pg.Pool;
  nc: NatsConnection;
  js: JetStreamClient;
  prefix: string;
  logger: Logger;
  wakeRelay: () => void;
  /** Steps one process runs at once. */
  concurrency: number;
  /** How long a step message may go unacknowledged before JetStream hands it to another worker. */
  ackWaitMs: number;
  /** Where schema versions come from; the schemas service over NATS unless given. */
  schemas?: SchemaSource;
  timers?: TimerService;
  /** Whether this process runs steps (default true); false leaves the work to other replicas. */
  runSteps?: boolean;
  /** Node types beyond `packages/nodes` (tests use this for executors that misbehave on purpose). */
  extraNodeModules?: Record<string, NodeModule>;
  /** A ready step pending this long gets its dispatch re-sent (it may have been lost in a crash). */
  sweepAfterMs?: number;
}

export interface Engine {
  service: ExecutionService;
  deps: EngineDeps;
  /** Stops pulling work and waits for the steps in hand. */
  stop(): Promise<void>;
}

/** Builds the engine's dependencies and starts its consumers and request handlers. */
export async function startEngine(options: EngineOptions): Promise<Engine> {
  const { nc, js, prefix, logger, pool } = options;
  const jsm = await nc.jetstreamManager();
  const schemasClient = options.schemas
    ? undefined
    : createSchemasClient({ nc, subject: requestSubject(prefix, 'schemas', schemaVersionRequest.verb), pool, prefix, logger });
  const aborts = new AbortRegistry();
  const finishWaiter = createFinishWaiter({ nc, prefix, pool });
  const runSteps = options.runSteps !== false;
  const deps: EngineDeps = {
    pool,
    prefix,
    logger,
    graphs: createGraphStore(pool),
    findNodeModule: (type) => options.extraNodeModules?.[type] ?? findNodeModule(type),
    schemas: options.schemas ?? schemasClient!,
    timers: options.timers ?? createSchedulerTimers({ nc, subject: (verb) => requestSubject(prefix, 'scheduler', verb) }),
    signals: createEngineSignals({ nc, prefix, wakeRelay: options.wakeRelay, logger, localWaiters: finishWaiter }),
    publish: async (subject, data) => {
      nc.publish(`${prefix}.${subject}`, new TextEncoder().encode(JSON.stringify(data ?? null)));
    },
    // Group commit, one statement in flight per kind: what arrives meanwhile goes in the next one.
    // Measured (probe-statements, C=50): one in flight 400/s, two 353/s (two batches contend for
    // the same two cores and halve each other's size).
    stepCommits: createGroupCommitter({
      commit: (batch) => commitStepBatch(pool, batch),
      key: (completion) => completion.executionId,
      maxBatch: 128,
      maxInFlight: 1,
    }),
    startCommits: createGroupCommitter({
      commit: (batch) => insertStartedExecutions(pool, batch),
      key: (start) => start.execution.id,
      maxBatch: 128,
      maxInFlight: 1,
    }),
    inProcess: null,
  };
  // Steps continue in-process in a process that runs steps; first steps of its own starts take
  // slots of their own (as many as the consumer's), so a burst of starts stays bounded.
  if (runSteps) deps.inProcess = createInProcessSteps({ deps: () => deps, aborts, slots: options.concurrency, logger });
  const service = createExecutionService(deps, finishWaiter);
  const abortSub = listenForAborts({ nc, prefix, aborts, logger });
  const startSub = serveStartRequests({ nc, subject: requestSubject(prefix, 'executions', executionStartRequest.verb), service, logger });
  const workers = [
    ...(!runSteps
      ? []
      : [await startStepConsumer({ js, jsm, deps, aborts, concurrency: options.concurrency, ackWaitMs: options.ackWaitMs, logger })]),
    await startTimerConsumer({ js, jsm, deps, logger }),
    await startSchemaDirectoryConsumer({ js, jsm, prefix, pool, logger }),
  ];
  const sweepAfterMs = options.sweepAfterMs ?? 15_000;
  let sweeping: Promise<unknown> = Promise.resolve();
  const sweeper = setInterval(() => {
    sweeping = sweepStuckSteps(deps, sweepAfterMs)
      .then((resent) => resent > 0 && logger.info({ resent }, 're-sent the dispatch of stuck steps'))
      .catch((error: unknown) => logger.warn({ err: error }, 'sweep failed'));
  }, Math.max(1_000, Math.floor(sweepAfterMs / 3)));
  sweeper.unref();
  return {
    service,
    deps,
    async stop() {
      clearInterval(sweeper);
      await sweeping;
      startSub.unsubscribe();
      schemasClient?.close();
      await Promise.all(workers.map((w) => w.stop()));
      abortSub.unsubscribe();
      finishWaiter.close();
    },
  };
}
