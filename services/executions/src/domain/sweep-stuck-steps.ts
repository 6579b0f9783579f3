import { findStuckSteps } from '../db/stuck-steps';
import type { EngineDeps } from './engine-deps';

/**
 * Re-sends the dispatch of steps that stayed pending too long. The message id is the step id,
 * as in the first dispatch, so JetStream drops the copy when the first one is still in the
 * stream; a copy that does get through finds the step claimed or final and does nothing. A step
 * whose in-process lease ran out gets `<step id>.lease` (it never had a message; a second sweep
 * inside the duplicate window is dropped), and whoever receives it re-claims it.
 * Returns how many were re-sent.
 */
export async function sweepStuckSteps(deps: EngineDeps, olderThanMs: number, limit = 500): Promise<number> {
  const stuck = await findStuckSteps(deps.pool, olderThanMs, limit);
  if (stuck.length === 0) return 0;
  await deps.signals.dispatch(
    stuck.map((s) => ({ v: 1 as const, id: s.leased ? `${s.id}.lease` : s.id, step_id: s.id, execution_id: s.executionId, not_before: s.notBefore?.toISOString() ?? null })),
  );
  return stuck.length;
}
