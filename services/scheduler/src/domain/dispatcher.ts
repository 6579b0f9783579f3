import type { Logger } from '@conveyor/service-runtime';
import type pg from 'pg';
import { appendEvents, taskUpdated } from '../db/append-events';
import { claimDueTasks, completeDispatchedTimers } from '../db/claim-due-tasks';
import { expireAttempts } from '../db/expire-attempts';
import { withTransaction } from '../db/transaction';
import { upcomingDueTimes } from '../db/upcoming-due-times';
import { createDueTimer } from './due-timer';
import type { SchedulerConfig } from './scheduler-config';
import type { Task } from './task';

export interface DispatcherDeps {
  pool: pg.Pool;
  prefix: string;
  logger: Logger;
  config: SchedulerConfig;
  /** Publishes one message per claimed task; resolves once JetStream has stored them all. */
  publish: (tasks: Task[]) => Promise<void>;
  /** Starts (or skips) the cron occurrences due at `now`. */
  /** Resolves with how many occurrences were handled. */
  fireDueTriggers: (now: Date) => Promise<number>;
  /** Called after a commit that wrote outbox rows. */
  onEventsWritten: () => void;
}

export interface Dispatcher {
  /** A task or trigger is due at this instant (from an insert, a NOTIFY, a retry). */
  wake(dueMs: number): void;
  /** Re-reads the look-ahead window from the table (start-up, lost LISTEN connection). */
  refresh(): void;
  stop(): Promise<void>;
}

/**
 * Turns due rows into JetStream messages. Three ways learn that something is due:
 * 1. the in-memory timer, armed for every due time inside the look-ahead window (precision);
 * 2. `wake` from inserts in this process and NOTIFY from the others (new near-due tasks);
 * 3. a poll every `pollMs` that reloads the window and expires overdue attempts (backstop).
 * After a restart the first poll finds every overdue task; its due time has passed, so it runs at once.
 */
export function startDispatcher(deps: DispatcherDeps): Dispatcher {
  const { config, logger } = deps;
  let stopped = false;
  let draining: Promise<void> | undefined;
  let again = false;
  const timer = createDueTimer({ onDue: () => void drain() });

  async function dispatchBatch(now: Date): Promise<number> {
    const claimed = await withTransaction(deps.pool, async (client) => {
      const tasks = await claimDueTasks(client, now, config.batchSize, config.reportTimeoutMs);
      if (tasks.length === 0) return tasks;
      // Published before commit: a crash in between leaves the rows pending, and the re-publish
      // of the same attempt carries the same Nats-Msg-Id, which JetStream drops as a duplicate.
      await deps.publish(tasks);
      const timers = await completeDispatchedTimers(
        client,
        tasks.filter((t) => t.completeOnDispatch).map((t) => t.id),
      );
      const finished = new Map(timers.map((t) => [t.id, t]));
      await appendEvents(client, deps.prefix, tasks.map((t) => taskUpdated(finished.get(t.id) ?? t)));
      return tasks;
    });
    // Report deadlines are left to the poll: a second late there costs nothing, while timers for
    // 10,000 distinct deadlines would churn the heap during a drain.
    if (claimed.length > 0) deps.onEventsWritten();
    return claimed.length;
  }

  async function claimUntilEmpty(now: Date): Promise<void> {
    while (!stopped && (await dispatchBatch(now)) === config.batchSize);
  }

  async function drainOnce(): Promise<void> {
    const now = new Date();
    // Due tasks first: they are the latency-critical path. Trigger occurrences (minute
    // granularity) and expired attempts follow; a trigger's new run is claimed by the next pass.
    await Promise.all(Array.from({ length: config.dispatchConcurrency }, () => claimUntilEmpty(now)));
    if ((await deps.fireDueTriggers(now)) > 0) again = true;
    await expireDue(now);
  }

  async function expireDue(now: Date): Promise<void> {
    for (;;) {
      const expired = await withTransaction(deps.pool, async (client) => {
        const tasks = await expireAttempts(client, now, config.batchSize, config.retry);
        await appendEvents(client, deps.prefix, tasks.map(taskUpdated));
        return tasks;
      });
      if (expired.length === 0) return;
      deps.onEventsWritten();
      for (const task of expired) if (task.status === 'pending') timer.add(task.dueAt.getTime());
      if (expired.length < config.batchSize) return;
    }
  }

  function drain(): Promise<void> {
    if (draining) {
      again = true;
      return draining;
    }
    draining = (async () => {
      try {
        do {
          again = false;
          await drainOnce();
        } while (again && !stopped);
      } catch (error) {
        logger.warn({ err: error }, 'dispatch failed; retrying in a second');
        if (!stopped) timer.add(Date.now() + 1_000);
      } finally {
        draining = undefined;
      }
    })();
    return draining;
  }

  async function poll(): Promise<void> {
    try {
      const times = await upcomingDueTimes(deps.pool, new Date(Date.now() + config.lookaheadMs), 10_000);
      for (const due of times) timer.add(due);
      await expireDue(new Date());
    } catch (error) {
      logger.warn({ err: error }, 'scheduler poll failed');
    }
  }

  const pollTimer = setInterval(() => void poll(), config.pollMs);
  void poll();

  return {
    wake(dueMs) {
      if (dueMs <= Date.now() + config.lookaheadMs) timer.add(dueMs);
    },
    refresh: () => void poll(),
    async stop() {
      stopped = true;
      clearInterval(pollTimer);
      timer.stop();
      await draining;
    },
  };
}
