import { ValidationError } from '@conveyor/errors';

/** Argument checks the SDL cannot express; problems point at the argument (`/limit`). */
export function page(args: { limit?: number | null; offset?: number | null }, maxLimit = 100, defaultLimit = 20): { limit: number; offset: number } {
  const limit = args.limit ?? defaultLimit;
  const offset = args.offset ?? 0;
  const issues = [
    ...(limit < 1 || limit > maxLimit ? [{ path: '/limit', message: `must be between 1 and ${maxLimit}` }] : []),
    ...(offset < 0 ? [{ path: '/offset', message: 'must not be negative' }] : []),
  ];
  if (issues.length > 0) throw new ValidationError('Invalid paging arguments', { details: { issues } });
  return { limit, offset };
}

export function optionalDate(value: string | null | undefined, path: string): Date | null {
  if (value === null || value === undefined) return null;
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new ValidationError(`${path.slice(1)} is not an ISO date-time`, { details: { issues: [{ path, message: 'must be an ISO 8601 date-time' }] } });
  }
  return date;
}

/** The admin API's entity types this service holds; `002_*.txt` names them in the plural. */
export function schemaEntityTypes(values: Array<string | null | undefined>, path: string): void {
  const bad = values.filter((value): value is string => typeof value === 'string' && value !== 'schemas' && value !== 'schema');
  if (bad.length > 0) {
    throw new ValidationError(`Unknown entity type ${bad.join(', ')}`, { details: { issues: [{ path, message: 'the only deletable entity type is "schemas"' }] } });
  }
}
