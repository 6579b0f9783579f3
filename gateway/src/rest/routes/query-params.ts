import { z } from 'zod';

/**
 * A query-string integer from `min` to `max`. Text that is not digits is one issue (`a
 * non-negative integer`), not also a range error for the number it could not become.
 */
export const integerQuery = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: 'a non-negative integer', abort: true })
    .transform(Number)
    .pipe(z.number().min(min).max(max));
