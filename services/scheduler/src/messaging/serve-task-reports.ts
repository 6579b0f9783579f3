import { subjectOfRequest, taskReportRequest } from '@conveyor/contracts';
import { AppError, ValidationError } from '@conveyor/errors';
import { respondWithError, type Logger } from '@conveyor/service-runtime';
import type { NatsConnection, Subscription } from 'nats';
import type { z } from 'zod';
import type { TaskReport } from '../db/record-task-reports';
import type { ReportBatcher } from '../domain/report-batcher';
import { readReportBatch } from './read-report-batch';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const { single, batch } = taskReportRequest.forms;

function reportOf(request: z.output<typeof single.request>): TaskReport {
  return { taskId: request.task_id, attempt: request.attempt, outcome: request.outcome, error: request.error, retry: request.retry };
}

function validationError(issues: z.core.$ZodIssue[], form: string): ValidationError {
  return new ValidationError(`${form} does not match its contract`, {
    details: issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
  });
}

/**
 * `<prefix>.scheduler.task_report` in both of its forms (one report, or `{reports: […]}`), in the
 * `scheduler` queue group. Served here rather than by the runtime's `serveRequests` because the
 * form is chosen by the presence of `reports`: validating against the union would answer a bad
 * batch with "invalid input" instead of naming the report and field at fault
 * (`reports.3.attempt`). Errors travel as the usual `Conveyor-Error-*` headers.
 */
export function serveTaskReports(deps: { nc: NatsConnection; prefix: string; logger: Logger; reports: ReportBatcher }): Subscription {
  async function answer(data: Uint8Array): Promise<unknown> {
    let body: unknown;
    try {
      body = data.length === 0 ? {} : JSON.parse(decoder.decode(data));
    } catch {
      throw new ValidationError('request is not valid JSON');
    }
    if (body !== null && typeof body === 'object' && 'reports' in body) {
      // Well-formed batches are read by hand (see read-report-batch.ts); zod for the others.
      let reports = readReportBatch(body);
      if (!reports) {
        const parsed = batch.request.safeParse(body);
        if (!parsed.success) throw validationError(parsed.error.issues, 'report batch');
        reports = parsed.data.reports.map(reportOf);
      }
      const outcomes = await deps.reports.submitMany(reports);
      // Built to the reply's contract by its type (the outcomes come from our own statement), not
      // parsed again: validating 1,000 results of our own making was pure cost on the report path.
      const reply: z.input<typeof batch.response> = {
        results: outcomes.map((outcome, i) => ({ task_id: reports[i]!.taskId, accepted: outcome.accepted, status: outcome.status })),
      };
      return reply;
    }
    const parsed = single.request.safeParse(body);
    if (!parsed.success) throw validationError(parsed.error.issues, 'report');
    const reply: z.input<typeof single.response> = await deps.reports.submit(reportOf(parsed.data));
    return reply;
  }

  return deps.nc.subscribe(subjectOfRequest(deps.prefix, 'scheduler', taskReportRequest), {
    queue: 'scheduler',
    callback: (err, msg) => {
      if (err) {
        deps.logger.warn({ err }, 'task report subscription error');
        return;
      }
      answer(msg.data).then(
        (response) => msg.respond(encoder.encode(JSON.stringify(response))),
        (error: unknown) => {
          if (!(error instanceof AppError)) deps.logger.error({ err: error, subject: msg.subject }, 'task report failed');
          respondWithError(msg, error);
        },
      );
    },
  });
}
