import { z } from 'zod';

/** Raised when the environment does not parse; lists every problem, not just the first. */
export class EnvError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`invalid environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EnvError';
    this.problems = problems;
  }
}

/** Variables every process reads. Defaults fit the local machine. */
export const commonEnvShape = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().min(1).default('0.0.0.0'),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(1_048_576),
};

/** A TCP port variable with a default. */
export const portVariable = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** `DATABASE_RANDOM_PAGE_COST` unless set: SSD-class storage (see the variable). */
export const defaultRandomPageCost = 1.1;

/** Variables of a subgraph service, given the port it listens on by default. */
export function serviceEnvShape(defaultPort: number) {
  return {
    ...commonEnvShape,
    PORT: portVariable(defaultPort),
    NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
    NATS_PREFIX: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'lower-case letters, digits, _ and - only').default('conveyor'),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://postgres@127.0.0.1:5432/conveyor'),
    DATABASE_POOL_MAX: z.coerce.number().int().positive().max(200).default(10),
    /**
     * The planner's cost of a random page read, set on every connection. PostgreSQL's default (4)
     * models spinning disks; on SSD-class storage 1.1 is the usual value. With 4, the prepared
     * group-commit statement of executions, planned while its tables were small, kept a plan that
     * read the whole executions table once per commit (docs/engine.md).
     */
    DATABASE_RANDOM_PAGE_COST: z.coerce.number().positive().max(100).default(defaultRandomPageCost),
    OUTBOX_POLL_MS: z.coerce.number().int().positive().default(250),
  };
}

/** Parses the environment once, freezes the result and fails with every problem listed. */
export function parseEnv<Shape extends z.ZodRawShape>(
  shape: Shape,
  source: Record<string, string | undefined> = process.env,
): Readonly<z.infer<z.ZodObject<Shape>>> {
  // Empty strings count as unset, as a blank line in an .env file means "use the default".
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const result = z.object(shape).safeParse(cleaned);
  if (!result.success) {
    throw new EnvError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  return Object.freeze(result.data);
}

export type ServiceEnv = Readonly<z.infer<z.ZodObject<ReturnType<typeof serviceEnvShape>>>>;
