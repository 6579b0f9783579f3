import type { RetryPolicy } from '../db/retry-delay';

/** Tuning of the dispatcher, from the environment (see env.ts for the defaults and why). */
export interface SchedulerConfig {
  batchSize: number;
  /** How many claim-and-publish transactions one replica runs at once. */
  dispatchConcurrency: number;
  reportTimeoutMs: number;
  lookaheadMs: number;
  /** How long before its due time a task is reserved (0: no reservations). */
  prefetchMs: number;
  pollMs: number;
  retry: RetryPolicy;
}
