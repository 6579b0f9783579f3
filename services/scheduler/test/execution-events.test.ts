import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSchedulerPlatform, type SchedulerPlatform } from './scheduler-platform';

/** The scheduler's reading of the engine's execution events, fed real events on the real stream. */
let platform: SchedulerPlatform;

beforeAll(async () => {
  platform = await startSchedulerPlatform('exec_events');
});

afterAll(async () => {
  await platform?.destroy();
});

function finishedEvent(executionId: string, trigger: string | undefined) {
  return {
    v: 1,
    id: randomUUID(),
    type: `${platform.prefix}.executions.execution.updated`,
    occurred_at: new Date().toISOString(),
    tenant_id: platform.tenant.tenantId,
    entity: { typename: 'Execution', id: executionId },
    data: {
      id: executionId,
      schema_id: 'schema-1',
      schema_version: 1,
      status: 'completed',
      current_step: 'end',
      started_at: new Date().toISOString(),
      finished_at: new Date().toISOString(),
      error: null,
      ...(trigger === undefined ? {} : { trigger }),
      parent_execution_id: null,
    },
  };
}

describe('execution events', () => {
  it('records the ends of executions it started (and of events without a trigger), and leaves the others unread', async () => {
    const js = platform.nc.jetstream();
    const ids = { webhook: randomUUID(), schedule: randomUUID(), unknown: randomUUID() };
    for (const [execution, trigger] of [[ids.webhook, 'webhook'], [ids.schedule, 'schedule'], [ids.unknown, undefined]] as const) {
      const event = finishedEvent(execution, trigger);
      await js.publish(`${platform.prefix}.executions.execution.updated`, JSON.stringify(event), { msgID: event.id });
    }
    const recorded = async () =>
      (await platform.sql.query<{ execution_id: string }>('select execution_id from scheduler.finished_executions where execution_id = any($1)', [Object.values(ids)])).rows.map(
        (r) => r.execution_id,
      );
    // Events are handled in stream order: once the last one is recorded, the first was seen too.
    while (!(await recorded()).includes(ids.unknown)) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await recorded()).sort()).toEqual([ids.schedule, ids.unknown].sort());
  });
});
