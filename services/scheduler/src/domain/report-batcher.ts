import type { TaskStatus } from '@conveyor/contracts';
import type { Logger } from '@conveyor/service-runtime';
import type pg from 'pg';
import { recordTaskReports, type TaskReport } from '../db/record-task-reports';
import { withTransaction } from '@conveyor/service-runtime';
import type { SchedulerConfig } from './scheduler-config';

export interface ReportOutcome {
  accepted: boolean;
  status: TaskStatus | null;
}

export interface ReportBatcher {
  submit(report: TaskReport): Promise<ReportOutcome>;
  /** Many reports at once (a batch request): one outcome per report, in order. */
  submitMany(reports: TaskReport[]): Promise<ReportOutcome[]>;
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
  /** Report transactions one replica runs at once (default 2). */
  concurrency?: number;
  onEventsWritten: () => void;
  /** A failed attempt was rescheduled for this time. */
  onRetryScheduled: (dueMs: number) => void;
}): ReportBatcher {
  const maxBatch = deps.maxBatch ?? 1_000;
  let queue: Waiting[] = [];

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
        // One statement applies the reports and writes their events (record-task-reports.ts).
        const { applied, refused } = await withTransaction(deps.pool, (client) =>
          recordTaskReports(client, deps.prefix, reports, deps.config.retry, deps.config.reportTimeoutMs),
        );
        if (applied.length > 0) deps.onEventsWritten();
        const byId = new Map(applied.map((t) => [t.id, t]));
        for (const waiting of unique) {
          const task = byId.get(waiting.report.taskId);
          if (task?.status === 'pending') deps.onRetryScheduled(task.dueAtMs);
          waiting.resolve(task ? { accepted: true, status: task.status } : { accepted: false, status: refused.get(waiting.report.taskId) ?? null });
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

  // Two transactions at once: while one waits on PostgreSQL (or on a claim's commit), the next
  // batch is already being applied instead of queueing behind it.
  const maxFlushing = deps.concurrency ?? 2;
  const flushing = new Set<Promise<void>>();

  async function drainQueue(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(maxBatch);
      await apply(batch);
    }
  }

  function flush(): Promise<void> {
    if (flushing.size >= maxFlushing) return Promise.all(flushing).then(() => undefined);
    const run = drainQueue();
    flushing.add(run);
    void run.finally(() => flushing.delete(run));
    return run;
  }

  function enqueue(report: TaskReport): Promise<ReportOutcome> {
    return new Promise<ReportOutcome>((resolve, reject) => {
      queue.push({ report, resolve, reject });
      if (queue.length === 1) setImmediate(() => void flush());
    });
  }

  return {
    submit: enqueue,
    submitMany: (reports) => Promise.all(reports.map(enqueue)),
    async stop() {
      while (queue.length > 0 || flushing.size > 0) await (flushing.size > 0 ? Promise.all(flushing) : flush());
    },
  };
}
