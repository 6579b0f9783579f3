import type { ExecutorResult } from '../types';

/** Triggers and `noop` hand their input on unchanged. */
export async function passThrough(context: { input: unknown }): Promise<ExecutorResult> {
  return { kind: 'output', output: context.input ?? null };
}
