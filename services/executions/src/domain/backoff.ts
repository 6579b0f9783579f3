import type { RetryPolicy } from '@conveyor/nodes';

/** Delay before attempt `attempt + 1`: `backoffMs` doubled per attempt, capped at `maxBackoffMs`. */
export function backoffDelayMs(policy: RetryPolicy, attempt: number): number {
  const raw = policy.backoffMs * 2 ** Math.max(0, attempt - 1);
  return Math.min(raw, Math.max(policy.maxBackoffMs, policy.backoffMs));
}

/** Whether a failed attempt gets another try under the policy. */
export function hasAttemptsLeft(policy: RetryPolicy, attempt: number): boolean {
  return attempt < policy.attempts;
}
