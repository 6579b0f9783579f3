import { setFlagsFromString } from 'node:v8';

/**
 * A smaller inlining budget for V8's optimizing compiler (TurboFan), set before any of the
 * service's modules load (`main.ts` imports this first). Node's documentation warns about
 * changing V8 flags at run time. This flag is only a compiler heuristic: V8 reads it each time it
 * compiles a function. Changing it alters how much code gets inlined, and nothing else.
 *
 * In a burst the scheduler's hot code is NATS's protocol parser, pg's row handling and the
 * dispatch and report paths. V8 optimizes them while the burst runs. As new branches get hit,
 * it deoptimizes some of them and compiles them again.
 * - In the first 10,000-task drain after a start, TurboFan took about 215 ms of CPU (`perf`):
 *   34–43 % of the scheduler's CPU.
 * - About half went to NATS's parser, compiled four times with everything inlined into it.
 * - The default budget is 920 bytes of bytecode inlined per function. At 200, TurboFan took
 *   146–188 ms of CPU in the same drain.
 * - Two sets of alternating runs (5 and 6 pairs) compared the two budgets. At 200, the
 *   scheduler's median CPU per task fell from 43 and 46.5 µs to 38 and 39.5. Cold throughput was
 *   higher in ten of the eleven pairs, with no loss once warm.
 * See docs/scheduler.md, round 6.
 */
setFlagsFromString('--max-inlined-bytecode-size-cumulative=200');
