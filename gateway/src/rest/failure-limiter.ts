import { AppError } from '@conveyor/errors';

/** One failure budget of a route: at most `max` failures per key within `windowSeconds`. */
export interface FailureLimit {
  name: string;
  max: number;
  windowSeconds: number;
  /** A success resets this budget (the per-account one: a user who finally typed it right starts afresh). */
  clearOnSuccess?: boolean;
}

interface Window {
  failures: number;
  resetsAt: number;
}

/**
 * Counts failed attempts (not requests) per key in fixed windows, in this process. While a key
 * is over its budget, attempts are refused with 429 `RATE_LIMIT_EXCEEDED` before reaching the
 * service. Login keys are (client address, account) and (client address): someone guessing a
 * victim's password from one address exhausts only their own budget, never the victim's.
 */
export function createFailureLimiter(now: () => number = Date.now) {
  const windows = new Map<string, Window>();
  const live = (key: string): Window | undefined => {
    const window = windows.get(key);
    if (window && window.resetsAt <= now()) {
      windows.delete(key);
      return undefined;
    }
    return window;
  };
  // Bounded memory: expired windows are swept once a minute.
  const sweep = setInterval(() => {
    for (const key of windows.keys()) live(key);
  }, 60_000);
  sweep.unref();

  return {
    /** Throws 429 with `retry_after_seconds` when any key is over its budget. */
    check(keys: Array<{ key: string; limit: FailureLimit }>): void {
      for (const { key, limit } of keys) {
        const window = live(key);
        if (window && window.failures >= limit.max) {
          const retryAfter = Math.max(1, Math.ceil((window.resetsAt - now()) / 1000));
          throw new AppError('RATE_LIMIT_EXCEEDED', 'Too many failed attempts; try again later', {
            details: { limit: limit.name, retry_after_seconds: retryAfter },
          });
        }
      }
    },
    fail(keys: Array<{ key: string; limit: FailureLimit }>): void {
      for (const { key, limit } of keys) {
        const window = live(key) ?? { failures: 0, resetsAt: now() + limit.windowSeconds * 1000 };
        window.failures += 1;
        windows.set(key, window);
      }
    },
    succeed(keys: Array<{ key: string; limit: FailureLimit }>): void {
      for (const { key, limit } of keys) if (limit.clearOnSuccess) windows.delete(key);
    },
  };
}

export type FailureLimiter = ReturnType<typeof createFailureLimiter>;
