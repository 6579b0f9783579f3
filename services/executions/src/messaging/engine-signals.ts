import { executionAbortSubject, executionFinishedSubject, stepReadySubject } from '@conveyor/contracts';
import type { Logger } from '@conveyor/service-runtime';
import type { NatsConnection, Subscription } from 'nats';
import type { AbortRegistry } from '../domain/abort-registry';
import type { EngineSignals } from '../domain/engine-deps';
import type { FinishWaiter } from '../domain/webhook-intake';
import { getExecution, type ExecutionRow } from '../db/execution-rows';
import type pg from 'pg';

const encoder = new TextEncoder();
/** Largest final row an end signal carries. */
const maxSignalBytes = 64 * 1024;
const decoder = new TextDecoder();

/**
 * Signals over core NATS: stop reaches every replica's running executors; ends wake webhook
 * waiters. An end also wakes this process's own waiters at once (`localWaiters`), with the row in
 * hand: a `?wait=` call usually waits on the process that ran its execution, which then neither
 * waits for its own signal to come back nor parses it. The signal still goes out, for waiters on
 * other replicas.
 */
export function createEngineSignals(options: {
  nc: NatsConnection;
  prefix: string;
  wakeRelay: () => void;
  logger: Logger;
  localWaiters?: { wake(execution: ExecutionRow): void };
}): EngineSignals {
  const js = options.nc.jetstream();
  const subject = stepReadySubject(options.prefix);
  return {
    async dispatch(messages) {
      const results = await Promise.allSettled(messages.map((m) => js.publish(subject, encoder.encode(JSON.stringify(m)), { msgID: m.id })));
      const failed = results.filter((r) => r.status === 'rejected').length;
      if (failed > 0) options.logger.warn({ failed, err: (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason }, 'step dispatch failed; the sweeper will re-send');
    },
    abort(executionIds) {
      options.nc.publish(executionAbortSubject(options.prefix), encoder.encode(JSON.stringify({ execution_ids: executionIds })));
    },
    finished(executions) {
      for (const execution of executions) {
        options.localWaiters?.wake(execution);
        // The final row rides along so that a waiting webhook call answers without reading it;
        // a large one is left out (the waiter reads it instead).
        const body = encoder.encode(JSON.stringify(execution));
        options.nc.publish(executionFinishedSubject(options.prefix, execution.id), body.length <= maxSignalBytes ? body : undefined);
      }
    },
    outboxWritten: options.wakeRelay,
  };
}

/** Every replica listens (no queue group) and aborts what it runs for a stopped execution. */
export function listenForAborts(options: { nc: NatsConnection; prefix: string; aborts: AbortRegistry; logger: Logger }): Subscription {
  return options.nc.subscribe(executionAbortSubject(options.prefix), {
    callback: (err, msg) => {
      if (err) return;
      try {
        const { execution_ids: ids } = JSON.parse(decoder.decode(msg.data)) as { execution_ids: string[] };
        for (const id of ids) {
          const aborted = options.aborts.abort(id);
          if (aborted > 0) options.logger.info({ execution_id: id, aborted }, 'aborted running executors');
        }
      } catch (error) {
        options.logger.warn({ err: error }, 'unreadable abort signal');
      }
    },
  });
}

/** A final row as the end signal carries it (JSON: dates are strings). */
function reviveExecution(data: Uint8Array): ExecutionRow | null {
  if (data.length === 0) return null;
  try {
    const row = JSON.parse(decoder.decode(data)) as ExecutionRow;
    return { ...row, startedAt: new Date(row.startedAt), finishedAt: row.finishedAt ? new Date(row.finishedAt) : null, updatedAt: new Date(row.updatedAt) };
  } catch {
    return null;
  }
}

/**
 * Waits for executions' end signals. One long-lived subscription per process
 * (`<prefix>.executions.signal.finished.*`) wakes the waiters by execution id with the final row
 * the signal carries. A waiter registers before the execution starts (its id is chosen first), so
 * no end is missed and nothing is read; a lost signal only costs the wait (the caller reads the
 * row at the end). `waitFor` is for an execution that may have ended already: it registers, then
 * reads the row once.
 */
export function createFinishWaiter(options: { nc: NatsConnection; prefix: string; pool: pg.Pool }): FinishWaiter & {
  /** Wakes this process's waiters for a final row it holds (see `createEngineSignals`). */
  wake(execution: ExecutionRow): void;
  close(): void;
} {
  const waiters = new Map<string, Set<(row: ExecutionRow | null) => void>>();
  const subscription = options.nc.subscribe(executionFinishedSubject(options.prefix, '*'), {
    callback: (err, msg) => {
      if (err) return;
      const id = msg.subject.slice(msg.subject.lastIndexOf('.') + 1);
      const set = waiters.get(id);
      if (!set) return;
      const row = reviveExecution(msg.data);
      for (const wake of set) wake(row);
    },
  });
  const expect: FinishWaiter['expect'] = (executionId) => {
    let wake!: (row: ExecutionRow | null) => void;
    const woken = new Promise<ExecutionRow | null>((resolve) => (wake = resolve));
    const set = waiters.get(executionId) ?? new Set();
    set.add(wake);
    waiters.set(executionId, set);
    const cancel = () => {
      set.delete(wake);
      if (set.size === 0 && waiters.get(executionId) === set) waiters.delete(executionId);
    };
    return {
      async wait(timeoutMs) {
        let timer: NodeJS.Timeout | undefined;
        try {
          return await Promise.race([woken, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)))]);
        } finally {
          clearTimeout(timer);
          cancel();
        }
      },
      cancel,
    };
  };
  return {
    expect,
    wake(execution) {
      const set = waiters.get(execution.id);
      if (set) for (const wake of set) wake(execution);
    },
    async waitFor(executionId, timeoutMs) {
      const expected = expect(executionId);
      try {
        const now = await getExecution(options.pool, executionId, null);
        if (!now || ['completed', 'failed', 'stopped'].includes(now.status)) return now;
        return await expected.wait(timeoutMs);
      } finally {
        expected.cancel();
      }
    },
    close: () => subscription.unsubscribe(),
  };
}
