import { executionAbortSubject, executionFinishedSubject, stepReadySubject } from '@conveyor/contracts';
import type { Logger } from '@conveyor/service-runtime';
import type { NatsConnection, Subscription } from 'nats';
import type { AbortRegistry } from '../domain/abort-registry';
import type { EngineSignals } from '../domain/engine-deps';
import type { FinishWaiter } from '../domain/webhook-intake';
import { getExecution } from '../db/execution-rows';
import type pg from 'pg';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Signals over core NATS: stop reaches every replica's running executors; ends wake webhook waiters. */
export function createEngineSignals(options: { nc: NatsConnection; prefix: string; wakeRelay: () => void; logger: Logger }): EngineSignals {
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
    finished(executionIds) {
      for (const id of executionIds) options.nc.publish(executionFinishedSubject(options.prefix, id));
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

/**
 * Waits for an execution's end signal. One long-lived subscription per process
 * (`<prefix>.executions.signal.finished.*`) wakes the waiters by execution id; a waiter registers
 * first and then reads the row once, so an end that happened in between is not missed. A lost
 * signal only costs the wait (the caller reads the row again at the end).
 */
export function createFinishWaiter(options: { nc: NatsConnection; prefix: string; pool: pg.Pool }): FinishWaiter & { close(): void } {
  const waiters = new Map<string, Set<() => void>>();
  const subscription = options.nc.subscribe(executionFinishedSubject(options.prefix, '*'), {
    callback: (err, msg) => {
      if (err) return;
      const id = msg.subject.slice(msg.subject.lastIndexOf('.') + 1);
      for (const wake of waiters.get(id) ?? []) wake();
    },
  });
  const wait: FinishWaiter = async (executionId, timeoutMs) => {
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const set = waiters.get(executionId) ?? new Set();
    set.add(wake);
    waiters.set(executionId, set);
    let timer: NodeJS.Timeout | undefined;
    try {
      const now = await getExecution(options.pool, executionId, null);
      if (!now || ['completed', 'failed', 'stopped'].includes(now.status)) return;
      await Promise.race([woken, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    } finally {
      clearTimeout(timer);
      set.delete(wake);
      if (set.size === 0) waiters.delete(executionId);
    }
  };
  return Object.assign(wait, { close: () => subscription.unsubscribe() });
}
