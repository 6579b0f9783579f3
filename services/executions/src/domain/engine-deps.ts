import type { StepReadyMessage } from '@conveyor/contracts';
import type { NodeModule } from '@conveyor/nodes';
import type { Logger } from '@conveyor/service-runtime';
import type pg from 'pg';
import type { CommittedStep, StepCompletion } from '../db/commit-step-batch';
import type { ExecutionRow } from '../db/execution-rows';
import type { StartedExecution } from '../db/insert-started-execution';
import type { Continuation } from './complete-step-fast';
import type { GraphStore } from './graph-store';
import type { GroupCommitter } from './group-commit';

/** A schema version as the engine needs it, read from the schemas service. */
export interface SchemaVersion {
  schemaId: string;
  tenantId: string;
  version: number;
  status: string;
  nodes: unknown[];
  edges: unknown[];
  /** Present for webhook lookups: the secret the caller signs with, or null when none is set. */
  webhookSecret: string | null;
}

/** Where schema versions come from (the schemas service over NATS in production). */
export interface SchemaSource {
  /** The version a tenant runs now (the latest published one), or a given version. */
  load(tenantId: string, schemaId: string, version?: number): Promise<SchemaVersion>;
  /** A webhook call names only the schema: its tenant, status and secret come with it. */
  loadForWebhook(schemaId: string): Promise<SchemaVersion>;
}

/** The scheduler's timers that wake a parked delay / wait-until step. */
export interface TimerService {
  set(input: { tenantId: string; executionId: string; stepId: string; fireAt: string }): Promise<void>;
  cancel(input: { tenantId: string; executionId: string }): Promise<void>;
}

/** What is sent after a transaction commits. */
export interface EngineSignals {
  /** Publishes ready steps to the STEPS stream; never throws (a lost dispatch is swept up later). */
  dispatch(messages: StepReadyMessage[]): Promise<void>;
  /** Abort the running executors of these executions on every replica (stop, failure). */
  abort(executionIds: string[]): void;
  /** These executions reached a final status (wakes `?wait=` webhook calls with the final row). */
  finished(executions: ExecutionRow[]): void;
  /** New outbox rows are committed: publish them now instead of at the next poll. */
  outboxWritten(): void;
}

/** Steps this process runs without a message (see `createInProcessSteps`). */
export interface InProcessSteps {
  /** Takes a slot for a step started here (a new execution's first step); false when all are taken. */
  tryAcquire(): boolean;
  release(): void;
  /** Runs a claimed step and the successors it claims in turn; never throws. */
  runChain(first: Continuation): Promise<void>;
}

/** Everything the engine's domain needs, built once in `main.ts`. */
export interface EngineDeps {
  pool: pg.Pool;
  prefix: string;
  logger: Logger;
  graphs: GraphStore;
  findNodeModule(type: string): NodeModule | undefined;
  schemas: SchemaSource;
  timers: TimerService;
  signals: EngineSignals;
  /** Publishes under the installation's prefix (the `nats.publish` node). */
  publish(subject: string, data: unknown): Promise<void>;
  /** Fast-path step completions, committed many executions at a time (`commitStepBatch`). */
  stepCommits: GroupCommitter<StepCompletion, CommittedStep | null>;
  /** Starts outside a transaction, committed many at a time (`insertStartedExecutions`). */
  startCommits: GroupCommitter<StartedExecution, ExecutionRow | null>;
  /** Null in a process that runs no steps: its new executions' first steps go through JetStream. */
  inProcess: InProcessSteps | null;
}
