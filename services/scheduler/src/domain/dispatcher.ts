import type { Logger } from '@conveyor/service-runtime';
import type pg from 'pg';
import { appendEvents, taskUpdated } from '../db/append-events';
import { claimDueTasks, completeDispatchedTimers } from '../db/claim-due-tasks';
import { expireAttempts } from '../db/expire-attempts';
import { genericPlans } from '../db/named-statement';
import { claimStaleReservations, markReservationsDispatched, releaseReservations, reserveUpcomingTasks } from '../db/reserve-upcoming-tasks';
import { withTransaction } from '@conveyor/service-runtime';
import { upcomingDueTimes } from '../db/upcoming-due-times';
import { createDueTimer } from './due-timer';
import type { SchedulerConfig } from './scheduler-config';
import type { DispatchTask } from './task';

export interface DispatcherDeps {
  pool: pg.Pool;
  prefix: string;
  logger: Logger;
  config: SchedulerConfig;
  /** Publishes one message per claimed task; resolves once JetStream has stored them all. */
  publish: (tasks: DispatchTask[]) => Promise<void>;
  /** Starts (or skips) the cron occurrences due at `now`; resolves with how many were handled. */
  fireDueTriggers: (now: Date) => Promise<number>;
  /** Called after a commit that wrote outbox rows. */
  onEventsWritten: () => void;
}

export interface Dispatcher {
  /** A task is due at this instant (from an insert, a NOTIFY, a retry). */
  wake(dueMs: number): void;
  /** A trigger's next run is at this instant (from a change, a NOTIFY, an occurrence). */
  wakeTrigger(dueMs: number): void;
  /** Re-reads the look-ahead window from the table (start-up, lost LISTEN connection). */
  refresh(): void;
  /** The task was cancelled: drop it if this replica holds it reserved. */
  forget(taskId: number): void;
  stop(): Promise<void>;
}

/**
 * What an instant of the timer is due for, so that a pass runs only the statements it needs
 * (1,000 tasks spread over 30 s make about 66 instants a second: each ran every statement before).
 */
const Due = {
  /** A task (or a retry) falls due: claim due tasks. */
  claim: 1,
  /** `prefetchMs` before a due time: reserve the tasks about to fall due. */
  reserve: 2,
  /** A reservation's instant: only its publish (which every instant does first). */
  publish: 4,
  /**
   * A trigger's next run: fire due triggers. Apart from `claim`, so that the instants of tasks
   * do not each look for due triggers (a transaction per instant, for minute-grained runs).
   */
  triggers: 8,
} as const;
const everything = Due.claim | Due.reserve | Due.triggers;

/**
 * Turns due rows into JetStream messages. Three ways learn that something is due:
 * 1. the in-memory timer, armed for every due time inside the look-ahead window (precision);
 * 2. `wake` from inserts in this process and NOTIFY from the others (new near-due tasks);
 * 3. a poll every `pollMs` that reloads the window, expires overdue attempts and re-publishes
 *    stale reservations (backstop).
 * After a restart the first poll finds every overdue task; its due time has passed, so it runs at once.
 *
 * Reservations: `prefetchMs` before a task's due time the dispatcher claims it (processing, not
 * yet dispatched) and keeps it in memory; at the due instant only the JetStream publish remains,
 * with no database round trip on the critical path. On this shared 2-core machine that halved
 * the p99 lateness (see docs/scheduler.md). Tasks already due when found take the one-transaction
 * claim-publish-commit path.
 */
export function startDispatcher(deps: DispatcherDeps): Dispatcher {
  const { config, logger } = deps;
  let stopped = false;
  let draining: Promise<void> | undefined;
  /** Kinds due since the pass in progress started: they get a pass of their own after it. */
  let pending = 0;
  const timer = createDueTimer({
    // The reserved tasks' messages go out first; the pass over the table starts once JetStream
    // holds them, so its queries do not compete with their publish and delivery for the CPU.
    onDue: (kinds) => void publishDueReservations().finally(() => drain(kinds)),
  });
  const reservations = new Map<number, { task: DispatchTask; dueMs: number }>();
  /** Published reservations being marked dispatched (awaited by `stop`). */
  const markings = new Set<Promise<void>>();
  /** Due times remembered so far: a reservation tells by it whether one came in while it ran. */
  let remembered = 0;
  // How long after its due time a reservation may stay unmarked before another replica re-publishes it.
  const graceMs = 3_000;

  /**
   * Publishes the reservations whose time has come; resolves once JetStream holds them, and
   * starts their report deadlines (marks them dispatched) in the background.
   */
  async function publishDueReservations(): Promise<void> {
    const now = Date.now();
    const due: DispatchTask[] = [];
    for (const [id, reservation] of reservations) {
      if (reservation.dueMs <= now) {
        due.push(reservation.task);
        reservations.delete(id);
      }
    }
    if (due.length === 0) return;
    try {
      await deps.publish(due);
    } catch (error) {
      logger.warn({ err: error, tasks: due.length }, 'publishing reserved tasks failed; retrying');
      for (const task of due) reservations.set(task.id, { task, dueMs: now });
      timer.add(Date.now() + 100, Due.publish);
      return;
    }
    const marking = withTransaction(deps.pool, async (client) => {
      const marked = await markReservationsDispatched(client, deps.prefix, due, config.reportTimeoutMs);
      await completeDispatchedTimers(client, deps.prefix, marked);
    }, genericPlans).then(deps.onEventsWritten, (error: unknown) => {
      // The messages are out; the deadline sweep will hand these attempts back and the re-publish
      // of the same attempt is dropped by JetStream, so a handler's report still counts.
      logger.warn({ err: error }, 'marking reserved tasks dispatched failed');
    });
    markings.add(marking);
    void marking.finally(() => markings.delete(marking));
  }

  /**
   * Reserves the tasks due within `prefetchMs`. When it took every one of them (fewer than a
   * batch, and no due time came in meanwhile), their instants need no claim: it would find
   * nothing, so it is dropped, and those instants only publish. A due time that came in while the
   * reservation ran (a new task, a retry, the poll) may be a task committed after the
   * reservation's snapshot, so then the claims stay. A pending task the reservation skipped
   * because another transaction held its row (a report's lock on a task that went back to
   * pending) is claimed by the next poll instead, within `pollMs`.
   */
  async function reserveUpcoming(now: Date): Promise<void> {
    if (config.prefetchMs <= 0 || stopped) return;
    const rememberedBefore = remembered;
    const reserved = await withTransaction(deps.pool, (client) =>
      reserveUpcomingTasks(client, now, new Date(now.getTime() + config.prefetchMs), config.batchSize, graceMs), genericPlans,
    );
    const tookAll = reserved.length < config.batchSize && remembered === rememberedBefore;
    for (const reservation of reserved) {
      reservations.set(reservation.task.id, reservation);
      timer.add(reservation.dueMs, Due.publish);
      if (tookAll) timer.remove(reservation.dueMs, Due.claim);
    }
  }

  type Claim = typeof claimDueTasks;

  async function dispatchBatch(now: Date, claim: Claim = claimDueTasks): Promise<number> {
    const claimed = await withTransaction(deps.pool, async (client) => {
      // The claim statement also writes the tasks' events (see task-events-sql.ts).
      const tasks = await claim(client, deps.prefix, now, config.batchSize, config.reportTimeoutMs);
      if (tasks.length === 0) return tasks;
      // Published before commit: a crash in between leaves the rows pending, and the re-publish
      // of the same attempt carries the same Nats-Msg-Id, which JetStream drops as a duplicate.
      await deps.publish(tasks);
      await completeDispatchedTimers(client, deps.prefix, tasks);
      return tasks;
    }, genericPlans);
    // Report deadlines are left to the poll: a second late there costs nothing, while timers for
    // 10,000 distinct deadlines would churn the heap during a drain.
    if (claimed.length > 0) deps.onEventsWritten();
    return claimed.length;
  }

  async function claimUntilEmpty(now: Date): Promise<void> {
    while (!stopped && (await dispatchBatch(now)) === config.batchSize);
  }

  /**
   * One pass at an instant, for what it is due for (`kinds`, see `Due`).
   * - Claim: due tasks first, the latency-critical path. One claim alone, and only a full batch
   *   (a backlog) brings in the other `dispatchConcurrency - 1` claimers: an instant with a
   *   handful of due tasks, the usual case, costs one transaction, not one per claimer.
   * - Reserve: only at the instants `prefetchMs` ahead of a due time.
   * - Triggers: only at a trigger's next run; an occurrence's new run is claimed by the next pass.
   * Expired attempts and stale reservations are the poll's (`pollMs`): neither is precise to the
   * millisecond (a report deadline, a replica gone for seconds). Before, every instant ran all of
   * these: seven transactions where now there are one or two (bench:scheduler (b): PostgreSQL's
   * CPU over the spread halved, see docs/scheduler.md).
   */
  async function drainOnce(kinds: number): Promise<void> {
    const now = new Date();
    if (kinds & Due.claim && (await dispatchBatch(now)) === config.batchSize) {
      await Promise.all(Array.from({ length: config.dispatchConcurrency }, () => claimUntilEmpty(now)));
    }
    if (kinds & Due.reserve) await reserveUpcoming(now);
    // A fired occurrence's run is a task due now: the next pass claims it.
    if (kinds & Due.triggers && (await deps.fireDueTriggers(now)) > 0) pending |= Due.claim;
  }

  /** The backstop's share of dispatching: reservations whose replica never published them. */
  async function claimStale(now: Date): Promise<void> {
    while (!stopped && (await dispatchBatch(now, claimStaleReservations)) === config.batchSize);
  }

  async function expireDue(now: Date): Promise<void> {
    for (;;) {
      const expired = await withTransaction(deps.pool, async (client) => {
        const tasks = await expireAttempts(client, now, config.batchSize, config.retry);
        await appendEvents(client, deps.prefix, tasks.map(taskUpdated));
        return tasks;
      }, genericPlans);
      if (expired.length === 0) return;
      deps.onEventsWritten();
      for (const task of expired) if (task.status === 'pending') remember(task.dueAt.getTime());
      if (expired.length < config.batchSize) return;
    }
  }

  /** Runs passes until nothing is pending; a pass in progress picks `kinds` up after it. */
  function drain(kinds: number): void {
    pending |= kinds & everything;
    if (draining || pending === 0) return;
    draining = (async () => {
      try {
        while (pending !== 0 && !stopped) {
          const due = pending;
          pending = 0;
          await drainOnce(due);
        }
      } catch (error) {
        logger.warn({ err: error }, 'dispatch failed; retrying in a second');
        if (!stopped) timer.add(Date.now() + 1_000, everything);
      } finally {
        draining = undefined;
      }
    })();
  }

  async function poll(): Promise<void> {
    try {
      const times = await upcomingDueTimes(deps.pool, new Date(Date.now() + config.lookaheadMs), 10_000);
      for (const due of times.tasks) remember(due);
      for (const due of times.triggers) timer.add(due, Due.triggers);
      await expireDue(new Date());
      await claimStale(new Date());
    } catch (error) {
      logger.warn({ err: error }, 'scheduler poll failed');
    }
  }

  /** A due time wakes the dispatcher twice: to reserve (`prefetchMs` ahead) and to claim. */
  function remember(dueMs: number): void {
    remembered += 1;
    timer.add(dueMs, Due.claim);
    if (config.prefetchMs > 0) timer.add(dueMs - config.prefetchMs, Due.reserve);
  }

  const pollTimer = setInterval(() => void poll(), config.pollMs);
  void poll();

  return {
    wake(dueMs) {
      if (dueMs <= Date.now() + config.lookaheadMs) remember(dueMs);
    },
    wakeTrigger(dueMs) {
      if (dueMs <= Date.now() + config.lookaheadMs) timer.add(dueMs, Due.triggers);
    },
    refresh: () => void poll(),
    forget: (taskId) => void reservations.delete(taskId),
    async stop() {
      stopped = true;
      clearInterval(pollTimer);
      timer.stop();
      await draining;
      await Promise.all(markings);
      const held = [...reservations.values()].map((r) => r.task);
      reservations.clear();
      await withTransaction(deps.pool, (client) => releaseReservations(client, held, graceMs)).catch((error) =>
        logger.warn({ err: error }, 'releasing reservations failed; the deadline sweep will'),
      );
    },
  };
}
