import { parseEnv, serviceEnvShape } from '@conveyor/service-runtime';
import { z } from 'zod';

/** Every variable the executions service reads (the deploy checks compare this with compose and the manifests). */
export const envShape = {
  ...serviceEnvShape(4103),
  // Steps hold a connection only per statement, but many at once: 20 measured better than 10
  // under the webhook benchmark at 50 clients (bench/engine).
  DATABASE_POOL_MAX: z.coerce.number().int().positive().max(200).default(20),
  /** Steps one process runs at once (its share of the STEPS consumer). */
  STEP_CONCURRENCY: z.coerce.number().int().positive().max(1_000).default(64),
  /** Unacknowledged this long, a step message goes to another worker (kept alive by in-progress acks while it runs). */
  STEP_ACK_WAIT_MS: z.coerce.number().int().min(1_000).default(30_000),
};

export const loadEnv = (source: Record<string, string | undefined> = process.env) => parseEnv(envShape, source);
