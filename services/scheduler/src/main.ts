// First: V8 settings that must precede the service's code (see v8-tuning.ts).
import './v8-tuning';
import { readFileSync } from 'node:fs';
import { createStatusService, startServiceRuntime } from '@conveyor/service-runtime';
import packageJson from '../package.json' with { type: 'json' };
import { listenForDueTimes } from './db/listen-due';
import * as tables from './db/schema';
import { startDispatcher } from './domain/dispatcher';
import { createExecutionRuns } from './domain/execution-runs';
import { createReportBatcher } from './domain/report-batcher';
import type { SchedulerConfig } from './domain/scheduler-config';
import { createTaskService } from './domain/task-service';
import { createTimerService } from './domain/timer-service';
import { createTriggerService } from './domain/trigger-service';
import { loadEnv } from './env';
import { createResolvers } from './graphql/resolvers';
import { createBatchPublisher } from '@conveyor/service-runtime';
import { createTaskPublisher } from './messaging/publish-tasks';
import { startExecutionEventsConsumer } from './messaging/execution-events-consumer';
import { createPipelineCheck } from './messaging/pipeline-check';
import { startSchemaEventsConsumer } from './messaging/schema-events-consumer';
import { startSchemaExecuteWorker } from './messaging/schema-execute-worker';
import { serveSchedulerRequests } from './messaging/serve-scheduler-requests';

const env = loadEnv();
const runtime = await startServiceRuntime({ service: 'scheduler', version: packageJson.version, env, tables });
const prefix = env.NATS_PREFIX;
const config: SchedulerConfig = Object.freeze({
  batchSize: env.SCHEDULER_BATCH_SIZE,
  dispatchConcurrency: env.SCHEDULER_DISPATCH_CONCURRENCY,
  reportTimeoutMs: env.SCHEDULER_REPORT_TIMEOUT_MS,
  lookaheadMs: env.SCHEDULER_LOOKAHEAD_MS,
  prefetchMs: env.SCHEDULER_PREFETCH_MS,
  pollMs: env.SCHEDULER_POLL_MS,
  retry: { baseMs: env.SCHEDULER_RETRY_BASE_MS, maxMs: env.SCHEDULER_RETRY_MAX_MS },
});
const common = { pool: runtime.pool, prefix, onEventsWritten: () => runtime.relay.wake() };

// The dispatcher is created last but woken by the services; this indirection breaks the cycle.
let wake = (_dueMs: number) => undefined as void;
let wakeTrigger = (_dueMs: number) => undefined as void;
let forget = (_taskId: number) => undefined as void;
const onTaskScheduled = (dueMs: number) => wake(dueMs);

const tasks = createTaskService({ ...common, onTaskScheduled, onTaskCancelled: (id) => forget(id) });
const triggers = createTriggerService({
  ...common,
  onTaskScheduled,
  onTriggerScheduled: (dueMs) => wakeTrigger(dueMs),
  checkPipeline: createPipelineCheck({ nc: runtime.nc, prefix }),
});
const timers = createTimerService({ ...common, onTaskScheduled });
const reports = createReportBatcher({ ...common, logger: runtime.logger, config, onRetryScheduled: onTaskScheduled });

const publisher = createBatchPublisher(runtime.nc);
const dispatcher = startDispatcher({
  ...common,
  logger: runtime.logger,
  config,
  publish: createTaskPublisher(publisher, prefix),
  fireDueTriggers: (now) => triggers.fireDue(now),
});
wake = (dueMs) => dispatcher.wake(dueMs);
wakeTrigger = (dueMs) => dispatcher.wakeTrigger(dueMs);
forget = (taskId) => dispatcher.forget(taskId);
const listener = listenForDueTimes({
  url: env.DATABASE_URL,
  logger: runtime.logger,
  onDue: wake,
  onTriggerDue: wakeTrigger,
  onCancel: forget,
  onReconnect: () => dispatcher.refresh(),
});

const subscriptions = serveSchedulerRequests({ nc: runtime.nc, prefix, logger: runtime.logger, reports, timers });
const runs = createExecutionRuns({ pool: runtime.pool, logger: runtime.logger, reports, runTimeoutMs: env.SCHEDULER_RUN_TIMEOUT_MS });
const executionEvents = await startExecutionEventsConsumer({ nc: runtime.nc, prefix, logger: runtime.logger, runs });
const schemaEvents = await startSchemaEventsConsumer({ nc: runtime.nc, prefix, logger: runtime.logger, triggers });
const worker =
  env.SCHEDULER_SCHEMA_EXECUTE_HANDLER === 'true' ? await startSchemaExecuteWorker({ nc: runtime.nc, prefix, logger: runtime.logger, reports, runs }) : null;

runtime.onShutdown({
  name: 'scheduler',
  run: async () => {
    await listener.stop();
    await dispatcher.stop();
    for (const subscription of subscriptions) await subscription.drain();
    await worker?.stop();
    await executionEvents.stop();
    await schemaEvents.stop();
    await reports.stop();
    publisher.close();
  },
});

const status = createStatusService(runtime);
await runtime.serveGraphQL(
  readFileSync(new URL('./graphql/schema.graphql', import.meta.url), 'utf8'),
  createResolvers({ status, tasks, triggers }),
);
await runtime.listen();
