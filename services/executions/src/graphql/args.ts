import { executionStatuses, stepStatuses } from '@conveyor/contracts';
import { ValidationError } from '@conveyor/errors';
import { z } from 'zod';

const page = {
  limit: z.number().int().min(1).max(200).default(50),
  offset: z.number().int().min(0).default(0),
};

export const listExecutionsArgs = z.object({
  schemaId: z.string().min(1).nullish(),
  status: z.enum(executionStatuses).nullish(),
  ...page,
});
export const stepsArgs = z.object({ status: z.enum(stepStatuses).nullish(), nodeId: z.string().min(1).nullish(), ...page });
export const logsArgs = z.object({ level: z.enum(['debug', 'info', 'warn', 'error']).nullish(), step: z.string().min(1).nullish(), ...page });
export const startArgs = z.object({
  schemaId: z.string().min(1),
  input: z.unknown().optional(),
  startStep: z.string().min(1).nullish(),
  idempotencyKey: z.string().min(1).max(200).nullish(),
});
export const webhookArgs = z.object({
  schemaId: z.string().min(1),
  stepId: z.string().min(1).nullish(),
  body: z.string(),
  headers: z.record(z.string(), z.string()),
  waitMs: z.number().int().min(0).max(60_000).nullish(),
});

/** Parses resolver arguments; problems come back as VALIDATION_ERROR with the argument paths. */
export function parseArgs<S extends z.ZodType>(schema: S, args: unknown): z.output<S> {
  const result = schema.safeParse(args);
  if (result.success) return result.data;
  throw new ValidationError('Invalid arguments', {
    details: { issues: result.error.issues.map((issue) => ({ path: `/${issue.path.join('/')}`, message: issue.message })) },
  });
}

/** `null` from GraphQL means "not given". */
export const given = <T>(value: T | null | undefined): T | undefined => (value === null ? undefined : value);
