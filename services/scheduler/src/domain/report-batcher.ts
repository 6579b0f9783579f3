import type { TaskStatus } from '@conveyor/contracts';
import type { Logger } from '@conveyor/service-runtime';
import type pg from 'pg';
import { appendEvents, taskUpdated } from '../db/append-events';
import { recordTaskReports, type TaskReport } from '../db/record-task-reports';
import { withTransaction } from '@conveyor/service-runtime';
import type { SchedulerConfig } from './scheduler-config';

export interface ReportOutcome {
  accepted: boolean;
  status: TaskStatus | null;
}

export interface ReportBatcher {
  submit(report: TaskReport): Promise<ReportOutcome>;
  stop(): Promise<void>;
}

interface Waiting {
  report: TaskReport;
  resolve: (outcome: ReportOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for handler reports: reports that arrive while a transaction is in flight are
 * applied together by the next one, so 10,000 reports cost tens of transactions, not 10,000.
 * No artificial delay: a lone report is written at once.
 */
export function createReportBatcher(deps: {
  pool: pg.Pool;
  prefix: string;
  logger: Logger;
  config: SchedulerConfig;
  maxBatch?: number;
  onEventsWritten: () => void;
  /** A failed attempt was rescheduled for this time. */
  onRetryScheduled: (dueMs: number) => void;
}): ReportBatcher {
  const maxBatch = deps.maxBatch ?? 1_000;
  let queue: Waiting[] = [];
  let flushing: Promise<void> | undefined;

  async function apply(batch: Waiting[]): Promise<void> {
    // One report per task per batch; a duplicate waits for the next batch and is then refused.
    const seen = new Set<number>();
    const unique: Waiting[] = [];
    for (const waiting of batch) {
      if (seen.has(waiting.report.taskId)) queue.push(waiting);
      else {
        seen.add(waiting.report.taskId);
        unique.push(waiting);
      }
    }
    const reports = unique.map((w) => w.report);
    let attempt = 0;
    for (;;) {
      try {
        const { updated, current } = await withTransaction(deps.pool, async (client) => {
          const rows = await recordTaskReports(client, reports, deps.config.retry, deps.config.reportTimeoutMs);
          await appendEvents(client, deps.prefix, rows.map(taskUpdated));
          const updatedIds = new Set(rows.map((row) => row.id));
          const missing = reports.filter((r) => !updatedIds.has(r.taskId)).map((r) => r.taskId);
          const statuses = new Map<number, TaskStatus>();
          if (missing.length > 0) {
            const result = await client.query<{ id: string; status: TaskStatus }>('select id, status from scheduler.tasks where id = any($1::bigint[])', [missing]);
            for (const row of result.rows) statuses.set(Number(row.id), row.status);
          }
          return { updated: rows, current: statuses };
        });
        if (updated.length > 0) deps.onEventsWritten();
        const byId = new Map(updated.map((t) => [t.id, t]));
        for (const waiting of unique) {
          const task = byId.get(waiting.report.taskId);
          if (task?.status === 'pending') deps.onRetryScheduled(task.dueAt.getTime());
          waiting.resolve(task ? { accepted: true, status: task.status } : { accepted: false, status: current.get(waiting.report.taskId) ?? null });
        }
        return;
      } catch (error) {
        // Deadlock or serialization failure between replicas: the whole batch is safe to retry.
        const code = (error as { code?: string }).code;
        if ((code === '40P01' || code === '40001') && attempt < 3) {
          attempt += 1;
          continue;
        }
        for (const waiting of unique) waiting.reject(error);
        return;
      }
    }
  }

  function flush(): Promise<void> {
    if (flushing) return flushing;
    flushing = (async () => {
      try {
        while (queue.length > 0) {
          const batch = queue.slice(0, maxBatch);
          queue = queue.slice(maxBatch);
          await apply(batch);
        }
      } finally {
        flushing = undefined;
      }
    })();
    return flushing;
  }

  return {
    submit(report) {
      return new Promise<ReportOutcome>((resolve, reject) => {
        queue.push({ report, resolve, reject });
        if (!flushing) setImmediate(() => void flush());
      });
    },
    async stop() {
      await flush();
    },
  };
}
