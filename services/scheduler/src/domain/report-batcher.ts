import type { TaskStatus } from '@conveyor/contracts';
import type { Logger } from '@conveyor/service-runtime';
import type pg from 'pg';
import { genericPlans } from '../db/named-statement';
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

/** The reports of one request (one report, or a batch): answered together once all are applied. */
interface Request {
  outcomes: ReportOutcome[];
  remaining: number;
  failed: boolean;
  resolve: (outcomes: ReportOutcome[]) => void;
  reject: (error: unknown) => void;
}

/**
 * One report waiting for the group commit. A batch request's reports share their `Request`
 * instead of each holding a promise: 1,000 promises and closures per batch were a visible share
 * of the report path's CPU in a drain.
 */
interface Waiting {
  report: TaskReport;
  request: Request;
  index: number;
}

function settle(waiting: Waiting, outcome: ReportOutcome): void {
  const { request } = waiting;
  request.outcomes[waiting.index] = outcome;
  request.remaining -= 1;
  if (request.remaining === 0 && !request.failed) request.resolve(request.outcomes);
}

function fail(waiting: Waiting, error: unknown): void {
  if (waiting.request.failed) return;
  waiting.request.failed = true;
  waiting.request.reject(error);
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
          recordTaskReports(client, deps.prefix, reports, deps.config.retry, deps.config.reportTimeoutMs), genericPlans,
        );
        if (applied.length > 0) deps.onEventsWritten();
        const byId = new Map(applied.map((t) => [t.id, t]));
        for (const waiting of unique) {
          const task = byId.get(waiting.report.taskId);
          if (task?.status === 'pending') deps.onRetryScheduled(task.dueAtMs);
          settle(waiting, task ? { accepted: true, status: task.status } : { accepted: false, status: refused.get(waiting.report.taskId) ?? null });
        }
        return;
      } catch (error) {
        // Deadlock or serialization failure between replicas: the whole batch is safe to retry.
        const code = (error as { code?: string }).code;
        if ((code === '40P01' || code === '40001') && attempt < 3) {
          attempt += 1;
          continue;
        }
        for (const waiting of unique) fail(waiting, error);
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

  function enqueue(reports: TaskReport[]): Promise<ReportOutcome[]> {
    return new Promise<ReportOutcome[]>((resolve, reject) => {
      if (reports.length === 0) return resolve([]);
      const request: Request = { outcomes: new Array<ReportOutcome>(reports.length), remaining: reports.length, failed: false, resolve, reject };
      const wasEmpty = queue.length === 0;
      for (let index = 0; index < reports.length; index++) queue.push({ report: reports[index]!, request, index });
      if (wasEmpty) setImmediate(() => void flush());
    });
  }

  return {
    submit: (report) => enqueue([report]).then((outcomes) => outcomes[0]!),
    submitMany: enqueue,
    async stop() {
      while (queue.length > 0 || flushing.size > 0) await (flushing.size > 0 ? Promise.all(flushing) : flush());
    },
  };
}
