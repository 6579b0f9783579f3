import { describe, expect, it } from 'vitest';
import { backoffDelayMs, hasAttemptsLeft } from './backoff';

describe('retry backoff', () => {
  const policy = { attempts: 4, backoffMs: 100, maxBackoffMs: 250 };

  it('doubles the delay per attempt up to the cap', () => {
    expect([1, 2, 3, 4].map((a) => backoffDelayMs(policy, a))).toEqual([100, 200, 250, 250]);
  });

  it('counts the first attempt among the allowed ones', () => {
    expect(hasAttemptsLeft(policy, 3)).toBe(true);
    expect(hasAttemptsLeft(policy, 4)).toBe(false);
    expect(hasAttemptsLeft({ attempts: 1, backoffMs: 0, maxBackoffMs: 0 }, 1)).toBe(false);
  });
});
