import { ValidationError } from '@conveyor/errors';
import { z } from 'zod';
import { usernameKey, usernamePattern } from './usernames';

/** Length is counted in code points, so a 64-character Unicode password counts as 64. */
const codePoints = (value: string) => [...value].length;

export const passwordSchema = z
  .string()
  .refine((value) => codePoints(value) >= 8, 'must be at least 8 characters')
  .refine((value) => codePoints(value) <= 1_024, 'must be at most 1024 characters');

export const usernameSchema = z
  .string()
  .max(256, 'must be at most 64 characters')
  .refine((value) => usernamePattern.test(usernameKey(value)), 'must be 3 to 64 letters, digits, ".", "_" or "-"');

export const tenantSlugSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be 2 to 63 lower-case letters, digits or "-"');

export const registrationSchema = z.object({
  username: usernameSchema,
  password: passwordSchema,
  email: z.email().max(254).nullish(),
  fullName: z.string().trim().min(1).max(200).nullish(),
  tenant: tenantSlugSchema.nullish(),
});

export type Registration = z.infer<typeof registrationSchema>;

/** Parses input with a schema; problems become `VALIDATION_ERROR` with JSON-pointer-like paths. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, root = ''): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError('Invalid request parameters', {
    details: {
      issues: result.error.issues.map((issue) => ({ path: `${root}/${issue.path.map(String).join('/')}`, message: issue.message })),
    },
  });
}
