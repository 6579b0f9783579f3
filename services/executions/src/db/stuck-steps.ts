import type { Queryable } from '@conveyor/service-runtime';

/**
 * Steps of running executions whose dispatch may have been lost, oldest first, bounded: ready,
 * dispatched steps still pending after `olderThanMs` (a crash between commit and publish), and
 * steps claimed in-process whose lease ran out (their worker died mid-step). `leased` marks the
 * latter: their re-dispatch needs a message id of its own (the step never had a message).
 */
export async function findStuckSteps(
  client: Queryable,
  olderThanMs: number,
  limit: number,
): Promise<Array<{ id: string; executionId: string; notBefore: Date | null; leased: boolean }>> {
  const { rows } = await client.query<{ id: string; executionId: string; notBefore: Date | null; leased: boolean }>(
    `(select s.id, s.execution_id as "executionId", s.not_before as "notBefore", false as leased from steps s
      join executions e on e.id = s.execution_id and e.status = 'running'
      where s.status = 'pending' and s.ready and s.dispatched and s.created_at < now() - make_interval(secs => $1::double precision / 1000)
      order by s.created_at limit $2)
     union all
     (select s.id, s.execution_id, null, true from steps s
      join executions e on e.id = s.execution_id and e.status = 'running'
      where s.status = 'running' and s.lease_until is not null and s.lease_until < now() and s.wait is null
      order by s.lease_until limit $2)`,
    [olderThanMs, limit],
  );
  return rows;
}
