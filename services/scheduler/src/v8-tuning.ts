import { setFlagsFromString } from 'node:v8';

/**
 * A smaller inlining budget for V8's optimizing compiler (TurboFan), set before any of the
 * service's modules load (`main.ts` imports this first).
 *
 * In a burst the scheduler's hot code is NATS's protocol parser, pg's row handling and the
 * dispatch and report paths. V8 optimizes them while the burst runs, and deoptimizes and
 * recompiles some of them as new branches get hit. The first 10,000-task drain after a start
 * spent 350–480 ms compiling (`--trace-opt`), about 40 % of the scheduler's CPU (`perf`). Most of
 * that went to recompiling NATS's parser with everything inlined into it. The default budget is
 * 920 bytes of bytecode inlined per function. At 200 the same drain compiled for 250–375 ms.
 * In eleven alternating runs the scheduler's CPU per task fell from a median of 44–46 µs to 38–40,
 * and cold throughput was higher in ten of the eleven pairs, with no loss once warm
 * (bench/scheduler, docs/scheduler.md, round 6). Changing this flag affects only how much V8
 * inlines; it does not change behaviour.
 */
setFlagsFromString('--max-inlined-bytecode-size-cumulative=200');
