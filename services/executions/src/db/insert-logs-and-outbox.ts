import type { NewLog } from './log-rows';
import { insertLogs } from './log-rows';
import { insertOutboxRows, packOutboxRows, type OutboxRow } from './outbox-rows';
import type { Queryable } from '@conveyor/service-runtime';

/**
 * The last write of every engine transaction: its log rows and its outbox rows, in one statement
 * (a data-modifying CTE) when there are both, which saves a round trip per step.
 */
export async function insertLogsAndOutbox(client: Queryable, logs: NewLog[], outbox: OutboxRow[]): Promise<void> {
  if (logs.length === 0 || outbox.length === 0) {
    await insertLogs(client, logs);
    await insertOutboxRows(client, outbox);
    return;
  }
  await client.query(
    `with l as (
       insert into logs (id, execution_id, step_id, node_id, level, message, data, time)
       select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::timestamptz[])
     )
     insert into outbox (subject, payload) select s, p from unnest($9::text[], $10::jsonb[]) as t(s, p)`,
    [
      logs.map((l) => l.id),
      logs.map((l) => l.executionId),
      logs.map((l) => l.stepId),
      logs.map((l) => l.nodeId),
      logs.map((l) => l.level),
      logs.map((l) => l.message),
      logs.map((l) => (l.data === null ? null : JSON.stringify(l.data))),
      logs.map((l) => l.time.toISOString()),
      packOutboxRows(outbox).map((r) => r.subject),
      packOutboxRows(outbox).map((r) => JSON.stringify(r.payload)),
    ],
  );
}
