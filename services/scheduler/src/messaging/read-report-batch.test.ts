import { taskLimits, taskReportRequest } from '@conveyor/contracts';
import { describe, expect, it } from 'vitest';
import { readReportBatch } from './read-report-batch';

const contract = taskReportRequest.forms.batch.request;
const good = { task_id: 42, attempt: 1, outcome: 'completed' };

/** What zod makes of the body, in the scheduler's own report shape (undefined: refused). */
function byContract(body: unknown) {
  const parsed = contract.safeParse(body);
  if (!parsed.success) return undefined;
  return parsed.data.reports.map((r) => ({ taskId: r.task_id, attempt: r.attempt, outcome: r.outcome, error: r.error, retry: r.retry }));
}

describe('readReportBatch', () => {
  it('reads well-formed batches exactly as the contract does', () => {
    const batches = [
      [good],
      [good, { task_id: 43, attempt: 2, outcome: 'failed', error: 'smtp refused' }, { task_id: 44, attempt: 3, outcome: 'failed', error: 'gone', retry: false }],
      [{ task_id: 45, attempt: 1, outcome: 'in_progress', extra: 'ignored' }],
      [{ ...good, error: 'x'.repeat(taskLimits.errorMaxLength), retry: true }],
      [{ ...good, task_id: Number.MAX_SAFE_INTEGER }],
      Array.from({ length: taskLimits.reportBatchMax }, (_, i) => ({ ...good, task_id: i + 1 })),
    ];
    for (const reports of batches) {
      const read = readReportBatch({ reports });
      expect(read).toBeDefined();
      expect(read).toEqual(byContract({ reports }));
    }
  });

  it('leaves to zod (returns undefined) every batch the contract refuses', () => {
    const bad: unknown[] = [
      [],
      'all of them',
      null,
      Array.from({ length: taskLimits.reportBatchMax + 1 }, () => good),
      [null],
      [[good]],
      ['report'],
      [{ ...good, task_id: 0 }],
      [{ ...good, task_id: -1 }],
      [{ ...good, task_id: 1.5 }],
      [{ ...good, task_id: '42' }],
      [{ ...good, task_id: Number.MAX_SAFE_INTEGER + 1 }],
      [{ ...good, attempt: 0 }],
      [{ ...good, attempt: null }],
      [{ task_id: 42, outcome: 'completed' }],
      [{ ...good, outcome: 'done' }],
      [{ ...good, outcome: null }],
      [{ task_id: 42, attempt: 1 }],
      [{ ...good, error: null }],
      [{ ...good, error: 7 }],
      [{ ...good, error: 'x'.repeat(taskLimits.errorMaxLength + 1) }],
      [{ ...good, retry: 'no' }],
      [{ ...good, retry: null }],
      [good, { ...good, attempt: 'second' }],
    ];
    for (const reports of bad) {
      expect(byContract({ reports })).toBeUndefined();
      expect(readReportBatch({ reports })).toBeUndefined();
    }
  });
});
