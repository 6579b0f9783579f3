import { isRetryable, type ExecutorResult, type LogLevel, type NodeModule } from '@conveyor/nodes';
import type { StepWait } from '../db/step-rows';
import type { StepOutcome } from './apply-outcome';

/** A log line an executor wrote during its run; committed with the step's result. */
export interface ExecutorLog {
  level: LogLevel;
  message: string;
  data: Record<string, unknown> | null;
  time: Date;
}

export interface ExecutorRun {
  executionId: string;
  tenantId: string;
  nodeId: string;
  attempt: number;
  config: Record<string, unknown>;
  input: unknown;
  /**
   * This run's controller, aborted when the execution is stopped (`AbortRegistry`); the run aborts
   * it at the timeout too. Its signal is the executor's.
   */
  controller: AbortController;
  publish(subject: string, data: unknown): Promise<void>;
}

/** What the executor asked for, before the engine has settled it (a subflow still names a schema). */
export type RunResult =
  | StepOutcome
  | { kind: 'subflow'; schemaId: string; version: number | undefined; input: unknown };

const maxErrorLength = 4_000;

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > maxErrorLength ? `${message.slice(0, maxErrorLength)}…` : message;
}

/**
 * Runs a node's executor once with an `AbortSignal` that fires on stop or after the descriptor's
 * timeout (the run's `controller`). An executor that ignores its signal is abandoned at that
 * moment (its late result is dropped), so a hung node cannot hold a worker slot past its timeout.
 */
export async function runExecutor(module: NodeModule, run: ExecutorRun, logs: ExecutorLog[]): Promise<RunResult> {
  const timeoutMs = module.descriptor.timeoutMs;
  // One controller per run (the stop registry's, aborted here at the timeout), a cleared timer and
  // a removed listener: `AbortSignal.timeout` + `AbortSignal.any` cost ~4 % of the executions
  // process under bench/engine, most of it in timeouts that fired (building a DOMException each)
  // long after their step had finished. (A second controller for the timeout, listening to the
  // stop signal, added one more controller and listener per step for nothing.)
  const controller = run.controller;
  const signal = controller.signal;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`step timed out after ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  // The executor's own rejection wins the race when it settles first; this one must not go unhandled.
  aborted.catch(() => undefined);
  try {
    const result: ExecutorResult = await Promise.race([
      module.execute({
        executionId: run.executionId,
        tenantId: run.tenantId,
        nodeId: run.nodeId,
        attempt: run.attempt,
        config: run.config,
        input: run.input,
        signal,
        log: (level, message, data) => void logs.push({ level, message: String(message), data: data ?? null, time: new Date() }),
        publish: run.publish,
      }),
      aborted,
    ]);
    if (result.kind === 'output') return { kind: 'completed', output: result.output ?? null, ports: result.ports ?? null };
    const wait = result.wait;
    if (wait.type === 'subflow') return { kind: 'subflow', schemaId: wait.schemaId, version: wait.version, input: wait.input };
    const parked: StepWait = wait.type === 'timer' ? { type: 'timer', until: wait.until } : { type: 'approval', prompt: wait.prompt };
    return { kind: 'waiting', wait: parked };
  } catch (error) {
    if (timedOut) return { kind: 'failed', error: `step timed out after ${timeoutMs} ms`, retryable: true };
    if (signal.aborted) return { kind: 'failed', error: 'step aborted: execution stopped', retryable: false };
    return { kind: 'failed', error: messageOf(error), retryable: isRetryable(error) };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort!);
  }
}
