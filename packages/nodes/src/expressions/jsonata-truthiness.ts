/**
 * JSONata's `$boolean` in JavaScript: false for null, false, 0, "", an empty object and an array
 * none of whose members is true. Evaluating the user's expression and then this (rather than
 * wrapping the source in `$boolean(...)`) keeps compile errors pointing at the user's text.
 */
export function isTruthy(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (Array.isArray(value)) return value.some(isTruthy);
  if (typeof value === 'object') return Object.keys(value).length > 0;
  if (typeof value === 'string') return value.length > 0;
  if (typeof value === 'number') return value !== 0;
  return value === true;
}
