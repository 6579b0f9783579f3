import { parseEnv, serviceEnvShape } from '@conveyor/service-runtime';
import { z } from 'zod';

const positive = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Every variable the scheduler service reads (the deploy checks compare this with compose and the manifests). */
export const envShape = {
  ...serviceEnvShape(4104),
  /** Tasks claimed and published per transaction. */
  SCHEDULER_BATCH_SIZE: positive(1_000),
  /** Claim transactions one replica runs at once (each claims different rows: skip locked). */
  SCHEDULER_DISPATCH_CONCURRENCY: positive(3),
  /** How long a handler has to report an attempt before it counts as failed and is retried. */
  SCHEDULER_REPORT_TIMEOUT_MS: positive(60_000),
  /** How long a `schema.execute` run may wait for its execution to end before it is retried (same execution, by idempotency key). */
  SCHEDULER_RUN_TIMEOUT_MS: positive(86_400_000),
  /** Due times closer than this are held in the in-memory timer. */
  SCHEDULER_LOOKAHEAD_MS: positive(10_000),
  /** Tasks due within this are claimed ahead and published at their instant from memory (0 turns it off). */
  SCHEDULER_PREFETCH_MS: z.coerce.number().int().min(0).max(5_000).default(2_000),
  /** The backstop: reloads the look-ahead window and expires overdue attempts this often. */
  SCHEDULER_POLL_MS: positive(1_000),
  /** Retry backoff: base · 2^(attempt-1), capped, with equal jitter. */
  SCHEDULER_RETRY_BASE_MS: positive(1_000),
  SCHEDULER_RETRY_MAX_MS: positive(300_000),
  /** Run the built-in `schema.execute` handler in this process. */
  SCHEDULER_SCHEMA_EXECUTE_HANDLER: z.enum(['true', 'false']).default('true'),
};

export const loadEnv = (source: Record<string, string | undefined> = process.env) => parseEnv(envShape, source);
