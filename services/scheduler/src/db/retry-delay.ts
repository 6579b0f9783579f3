/**
 * Exponential backoff with "equal jitter", as SQL over a row's `attempts`:
 * delay = min(max, base · 2^(attempts-1)) · (0.5 + random/2). Half of the delay is guaranteed, so
 * retries never pile up at once; the random half spreads a burst of failures (a handler outage)
 * over time instead of retrying them all in the same millisecond.
 * `$base` and `$max` are the positions of the two parameters in the caller's query.
 */
export function retryDueAtSql(alias: string, base: string, max: string): string {
  return `clock_timestamp() + least(${max}::float8, ${base}::float8 * power(2, least(${alias}.attempts - 1, 30))) * (0.5 + random() * 0.5) * interval '1 millisecond'`;
}

export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
}
