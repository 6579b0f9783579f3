import type { Logger } from '@conveyor/service-runtime';
import type { AbortRegistry } from './abort-registry';
import type { Continuation } from './complete-step-fast';
import type { EngineDeps, InProcessSteps } from './engine-deps';
import { runClaimedStep } from './process-step';

/**
 * Runs steps this process claimed without a message: a successor claimed in its predecessor's
 * commit, or a new execution's first step claimed in the start. Each is a durable `running` row
 * with a lease; if this process dies, the sweeper re-sends it once the lease has run out. Steps
 * started here (not continued from a consumed message) take one of `slots`, so a burst of starts
 * cannot run more than that many at once; past it, first steps go through JetStream as before.
 */
export function createInProcessSteps(options: { deps: () => EngineDeps; aborts: AbortRegistry; slots: number; logger: Logger }): InProcessSteps {
  let used = 0;
  return {
    tryAcquire() {
      if (used >= options.slots) return false;
      used += 1;
      return true;
    },
    release() {
      used -= 1;
    },
    async runChain(first: Continuation) {
      let next: Continuation | undefined = first;
      try {
        while (next) {
          const result = await runClaimedStep(options.deps(), options.aborts, next.step, next.claim, true);
          next = result.kind === 'done' ? result.next : undefined;
        }
      } catch (error) {
        // Nothing is lost: the step stays `running` with its lease and is re-sent when it runs out.
        options.logger.warn({ err: error, step_id: next?.step.id }, 'an in-process step failed in the engine; its lease will hand it to another worker');
      }
    },
  };
}
